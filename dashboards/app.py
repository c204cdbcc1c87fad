"""glamkg dashboard: one entrypoint, one short script per page (run: `glamkg dashboard` or `glamkg up`).

The store comes from `streamlit run dashboards/app.py -- --store PATH`, else $GLAMKG_STORE, else ./glamkg-data;
it is opened read-only and its tables are cached until the store changes.
"""

from pathlib import Path

import streamlit as st

from kg.dashboard import i18n, ui
from kg.i18n import _

HERE = Path(__file__).resolve().parent

i18n.start()  # the language first: page titles and the sidebar are in it
# A local favicon: page icons would otherwise become the favicon, and Material icons as favicons are fetched
# from a font CDN (the dashboard must need nothing from the network).
st.set_page_config(page_title=_("glamkg: GLAM partnerships and their gaps"), page_icon=str(HERE / "favicon.png"),
                   layout="wide")

pages = [
    st.Page(HERE / "overview.py", title=_("Overview"), icon=":material/home:", url_path="overview", default=True),
    st.Page(HERE / "map.py", title=_("Map"), icon=":material/public:", url_path="map"),
    st.Page(HERE / "gaps.py", title=_("Regional gaps"), icon=":material/bar_chart:", url_path="gaps"),
    st.Page(HERE / "impact.py", title=_("Impact"), icon=":material/insights:", url_path="impact"),
    st.Page(HERE / "trends.py", title=_("Trends"), icon=":material/show_chart:", url_path="trends"),
    st.Page(HERE / "partnerships.py", title=_("Partnerships"), icon=":material/handshake:", url_path="partnerships"),
    st.Page(HERE / "partners.py", title=_("Partners to call"), icon=":material/call:", url_path="partners"),
    st.Page(HERE / "quality.py", title=_("Data quality"), icon=":material/fact_check:", url_path="quality"),
    st.Page(HERE / "explorer.py", title=_("Query explorer"), icon=":material/search:", url_path="explorer"),
]
page = st.navigation(pages)
i18n.picker()
st.session_state["_filters"] = ui.sidebar(i18n.localised(ui.load()))  # country names in the language
page.run()
