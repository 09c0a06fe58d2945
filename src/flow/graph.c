/*
 * graph.c: `kefu flow graph`, a Graphviz DOT drawing of flows: one
 * cluster per flow, a node per flow node labelled with its kind, id and
 * what it plays or asks, edges labelled with keys and branches, sub-flow
 * calls dashed, and the mappings each query touches as cylinders.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow-int.h"

static const char *const graph_shapes[] = {
	[FK_MENU] = "box", [FK_INPUT] = "parallelogram",
	[FK_QUERY] = "diamond", [FK_SAY] = "note", [FK_PLAY] = "note",
	[FK_RECORD] = "box", [FK_SET] = "ellipse", [FK_IF] = "diamond",
	[FK_GOTO] = "point", [FK_CALL] = "component", [FK_RETURN] = "oval",
	[FK_LANG] = "hexagon", [FK_HANGUP] = "doubleoctagon",
	[FK_FOREACH] = "folder",
};

/* Append s as the inside of a DOT double-quoted string. */
static void
graph_quoted(struct strbuf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			sb_addc(out, '\\');
		sb_addc(out, *s);
	}
}

static void
graph_id(struct strbuf *out, const struct flow_node *n)
{
	char *l = flow_node_label(n);

	sb_addc(out, '"');
	graph_quoted(out, l);
	sb_addc(out, '"');
	free(l);
}

/* What the node says or does, for its label. */
static void
graph_detail(struct strbuf *lb, const struct flow_node *n)
{
	size_t i;

	switch (n->kind) {
	case FK_INPUT:
		sb_addf(lb, "\\n%s: %d-%d digits", n->var, n->dig.min_digits,
		    n->dig.max_digits);
		if (n->check != NULL)
			sb_addf(lb, ", %s", n->check);
		break;
	case FK_QUERY:
		sb_addf(lb, "\\n%s", n->mapping);
		break;
	case FK_CALL:
		sb_addf(lb, "\\n%s", n->callee);
		break;
	case FK_LANG:
		sb_addf(lb, "\\n%s", n->lang);
		break;
	case FK_IF:
		sb_addf(lb, "\\n%s %s %s", n->var, n->op,
		    n->value ? n->value : "");
		break;
	case FK_SET:
	case FK_RECORD:
		sb_addf(lb, "\\n%s", n->var);
		break;
	case FK_FOREACH:
		sb_addf(lb, "\\nrows of %s", n->over);
		break;
	default:
		break;
	}
	for (i = 0; i < n->npieces && i < 3; i++) {
		if (n->pieces[i].prompt != NULL)
			sb_addf(lb, "\\n%s", n->pieces[i].prompt);
		else if (n->pieces[i].as == NULL)
			sb_addf(lb, "\\n%s %s", n->pieces[i].is_text ?
			    "text" : "prompt", n->pieces[i].var);
		else
			sb_addf(lb, "\\nsay %s %s", n->pieces[i].as,
			    n->pieces[i].var ? n->pieces[i].var :
			    n->pieces[i].value ? n->pieces[i].value : "");
	}
	if (n->npieces > 3)
		sb_adds(lb, "\\n...");
}

static void
graph_node(struct strbuf *out, const struct flow_node *n)
{
	struct strbuf lb = STRBUF_INIT;
	size_t i;

	sb_addf(&lb, "%s%s%s", flow_kind_names[n->kind], n->id ? " " : "",
	    n->id ? n->id : "");
	graph_detail(&lb, n);
	sb_adds(out, "    ");
	graph_id(out, n);
	sb_addf(out, " [shape=%s, label=\"", graph_shapes[n->kind]);
	/* the label already holds \n escapes: copy quotes escaped only */
	for (i = 0; i < lb.len; i++) {
		if (lb.s[i] == '"')
			sb_addc(out, '\\');
		sb_addc(out, lb.s[i]);
	}
	sb_adds(out, "\"];\n");
	sb_free(&lb);
}

static void
graph_flow(struct strbuf *out, const struct flow_set *set,
    const struct flow *f)
{
	const struct flow_node *n;
	const struct flow *callee;
	size_t i, j;

	sb_adds(out, "  subgraph \"cluster_");
	graph_quoted(out, f->name);
	sb_adds(out, "\" {\n    label=\"");
	graph_quoted(out, f->name);
	sb_adds(out, "\";\n");
	for (i = 0; i < f->nnodes; i++)
		graph_node(out, f->nodes[i]);
	if (f->on_hangup != NULL) {
		/* where the flow goes when the line is gone */
		sb_adds(out, "    \"hangup:");
		graph_quoted(out, f->name);
		sb_adds(out, "\" [shape=plaintext, label=\"line gone\"];\n"
		    "    \"hangup:");
		graph_quoted(out, f->name);
		sb_adds(out, "\" -> ");
		graph_id(out, f->on_hangup);
		sb_adds(out, " [style=dashed];\n");
	}
	sb_adds(out, "  }\n");
	for (i = 0; i < f->nnodes; i++) {
		n = f->nodes[i];
		for (j = 0; j < n->nedges; j++) {
			if (n->edges[j].to == NULL)
				continue;
			sb_adds(out, "  ");
			graph_id(out, n);
			sb_adds(out, " -> ");
			graph_id(out, n->edges[j].to);
			if (strcmp(n->edges[j].label, "next") == 0)
				sb_adds(out, ";\n");
			else {
				sb_adds(out, " [label=\"");
				graph_quoted(out, n->edges[j].label);
				sb_adds(out, "\"];\n");
			}
		}
		if (n->kind == FK_QUERY) {
			sb_adds(out, "  ");
			graph_id(out, n);
			sb_adds(out, " -> \"mapping:");
			graph_quoted(out, n->mapping);
			sb_adds(out, "\" [style=dotted, arrowhead=none];\n");
			sb_adds(out, "  \"mapping:");
			graph_quoted(out, n->mapping);
			sb_adds(out, "\" [shape=cylinder, label=\"");
			graph_quoted(out, n->mapping);
			sb_adds(out, "\"];\n");
		}
		callee = n->kind == FK_CALL ?
		    flow_set_find(set, n->callee) : NULL;
		if (callee != NULL && callee->start != NULL) {
			sb_adds(out, "  ");
			graph_id(out, n);
			sb_adds(out, " -> ");
			graph_id(out, callee->start);
			sb_adds(out, " [style=dashed, label=\"call\"];\n");
		}
	}
}

int
flow_graph(const struct flow_set *set, const char *name, struct strbuf *out,
    char **cause)
{
	const struct flow *f = NULL;
	size_t i;

	if (name != NULL && (f = flow_set_find(set, name)) == NULL)
		return kf_error(cause, "no flow \"%s\"", name);
	sb_adds(out, "digraph \"kefu flows\" {\n"
	    "  rankdir=LR;\n"
	    "  node [fontname=\"sans-serif\", fontsize=10];\n"
	    "  edge [fontname=\"sans-serif\", fontsize=9];\n");
	if (f != NULL)
		graph_flow(out, set, f);
	else
		for (i = 0; i < set->nflows; i++)
			graph_flow(out, set, set->flows[i]);
	sb_adds(out, "}\n");
	return 0;
}
