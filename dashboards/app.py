"""glamkg dashboard: one entrypoint, one short script per page (run: `glamkg dashboard` or `glamkg up`).

The store comes from `streamlit run dashboards/app.py -- --store PATH`, else $GLAMKG_STORE, else ./glamkg-data;
it is opened read-only and its tables are cached until the store changes.
"""

from pathlib import Path

import streamlit as st

from kg.dashboard import ui

HERE = Path(__file__).resolve().parent

# A local favicon: page icons would otherwise become the favicon, and Material icons as favicons are fetched
# from a font CDN (the dashboard must need nothing from the network).
st.set_page_config(page_title="glamkg: GLAM partnerships and their gaps", page_icon=str(HERE / "favicon.png"),
                   layout="wide")

pages = [
    st.Page(HERE / "overview.py", title="Overview", icon=":material/home:", url_path="overview", default=True),
    st.Page(HERE / "map.py", title="Map", icon=":material/public:", url_path="map"),
    st.Page(HERE / "gaps.py", title="Regional gaps", icon=":material/bar_chart:", url_path="gaps"),
    st.Page(HERE / "impact.py", title="Impact", icon=":material/insights:", url_path="impact"),
    st.Page(HERE / "trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page(HERE / "partnerships.py", title="Partnerships", icon=":material/handshake:", url_path="partnerships"),
    st.Page(HERE / "partners.py", title="Partners to call", icon=":material/call:", url_path="partners"),
    st.Page(HERE / "quality.py", title="Data quality", icon=":material/fact_check:", url_path="quality"),
    st.Page(HERE / "explorer.py", title="Query explorer", icon=":material/search:", url_path="explorer"),
]
page = st.navigation(pages)
st.session_state["_filters"] = ui.sidebar(ui.load())
page.run()
