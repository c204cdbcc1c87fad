"""Query explorer: run any saved query (queries/*.rq) with typed parameters, locally or on an endpoint."""

import streamlit as st

from kg.dashboard import data as dd
from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.errors import GlamkgError
from kg.i18n import N_, _, ngettext

ctx = ui.context()
st.title(_("Query explorer"))
ui.banner(ctx)
if ctx.filters.active():
    st.info(_("The sidebar's filters do not apply here: a query answers what it asks. Set its own parameters "
              "below (a country, a region, years) to narrow it."), icon=":material/filter_alt_off:")

catalog = dd.saved_queries()
if not catalog:
    st.info(_("No saved queries found in queries/."))
    st.stop()
by_name = {q.name: q for q in catalog}
sources = {"saved query": _("saved query"), "your own query": _("your own query")}
source = st.radio(_("Query"), list(sources), format_func=sources.__getitem__, horizontal=True, key="q_source",
                  help=_("Your own query: paste one copied from the Wikidata Query Service, magic comments included "
                         "(#title: becomes the title, #defaultView:Map shows a map)."))
if source == "your own query":
    own = st.text_area("SPARQL", key="q_text", height=220, placeholder="#title:Museums\n#defaultView:Map\nSELECT ...")
    if not own.strip():
        st.caption(_("Paste a query to run it."))
        st.stop()
    try:
        query = dd.own_query(own)
    except GlamkgError as e:
        ui.error(e)
        st.stop()
    name = own
    st.subheader(query.title)
    if query.note:
        st.caption(query.note)
else:
    name = st.selectbox(_("Saved query"), list(by_name), format_func=lambda n: f"{by_name[n].title} ({n})",
                        key="q_name")
    query = by_name[name]
    st.write(query.description)

params = ui.param_widgets(query)
# TRANSLATORS: where a query runs: "Wikidata Query Service" and "another SPARQL endpoint" are options too.
_run_on = (N_("Wikidata Query Service"), N_("another SPARQL endpoint"))
home = N_("the dashboard's endpoint") if dd.endpoint() else N_("local store")
where = st.radio(_("Run on"), [home, *_run_on], format_func=ui.translated([home, *_run_on]), horizontal=True,
                 key="q_where")
endpoint = dd.endpoint() or "local"
if where == "Wikidata Query Service":
    endpoint = "wikidata"
elif where == "another SPARQL endpoint":
    endpoint = st.text_input(_("Endpoint URL"), value=dd.default_endpoint(), key="q_url",
                             placeholder="https://example.org/sparql")
st.link_button(_("Open in Wikidata Query Service"), dd.wdqs_link(query, params))
with st.expander("SPARQL"):
    st.code(query.text, language="sparql")

request = (name, tuple(sorted(params.items())), endpoint)
if st.button(_("Run query"), key="q_run", type="primary"):
    st.session_state["q_request"] = request
if st.session_state.get("q_request") != request:
    st.caption(_("Press “Run query” to run it (again after changing the query, its parameters or the endpoint)."))
    st.stop()
try:
    result, provenance = dd.run_query(name, request[1], endpoint, ctx.data.path, ctx.data.generation)
except GlamkgError as e:
    ui.error(e)
    st.stop()

result = dv.with_names(result, ctx.data)  # names beside bare ids (Q30 -> United States of America)
st.caption(ngettext("{n} row", "{n} rows", len(result)).format(n=ui.number(len(result))))
chart = ui.query_chart(query, result)
if chart is not None:
    ui.chart(chart)
st.dataframe(result, hide_index=True, width="stretch")
ui.downloads(result, query.name, provenance)
if provenance.generation:
    st.caption(_("Ran {when} on {endpoint} (store generation {generation}).").format(
        when=provenance.ran_at, endpoint=provenance.endpoint, generation=provenance.generation))
else:
    st.caption(_("Ran {when} on {endpoint}.").format(when=provenance.ran_at, endpoint=provenance.endpoint))
