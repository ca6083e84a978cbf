// The graph around the focus: one box per table (upstream on the left, downstream on
// the right), its columns as rows, value flows (DIRECT) as solid lines and
// influences (INDIRECT: joins, filters, grouping...) as dashed ones.
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import type { ColumnNode, Focus, LineageGraphData, TableGroup } from "./api";

const RANK_GAP = 330;
const TABLE_WIDTH = 240;
const HEADER = 50;
const ROW = 30;
const TABLE_GAP = 32;

type TableData = {
  table: TableGroup;
  columns: ColumnNode[];
  focus: Focus;
  onSelect: (table: string, column: string | null) => void;
};
type TableNodeType = Node<TableData, "table">;

function shortName(name: string): { prefix: string; last: string } {
  const parts = name.split(".");
  return { prefix: parts.slice(0, -1).join("."), last: parts[parts.length - 1] ?? name };
}

function TableNode({ data }: NodeProps<TableNodeType>) {
  const { table, columns, focus, onSelect } = data;
  const { prefix, last } = shortName(table.name);
  const sideLabel =
    table.side === "focus" ? "selected" : table.side === "upstream" ? "upstream" : "downstream";
  return (
    <section
      className={`lin-table lin-${table.side}`}
      aria-label={`Table ${table.name}, ${sideLabel}${table.owner ? `, owned by ${table.owner}` : ""}`}
      data-testid={`lineage-table-${table.name}`}
    >
      <header className="lin-table-head">
        <button
          type="button"
          className="nodrag lin-table-name"
          title={table.name}
          onClick={() => onSelect(table.name, null)}
          aria-label={`Show table ${table.name}`}
        >
          {prefix ? <span className="lin-prefix">{prefix}.</span> : null}
          <span>{last}</span>
        </button>
        <span className="lin-owner" title="Owner">
          {table.owner ?? "no owner"}
        </span>
      </header>
      <ul className="lin-columns">
        {columns.map((column) => {
          const selected = focus.table === column.table && focus.column === column.column;
          return (
            <li key={column.id} className={`lin-column${selected ? " selected" : ""}${column.pii ? " pii" : ""}`}>
              <Handle type="target" position={Position.Left} id={`in:${column.column}`} isConnectable={false} />
              <button
                type="button"
                className="nodrag lin-column-button"
                aria-pressed={selected}
                aria-label={`${column.id}${column.pii ? ", PII" : ""}`}
                data-testid={`lineage-column-${column.id}`}
                onClick={() => onSelect(column.table ?? "?", column.column)}
              >
                <span className="lin-column-name">{column.column}</span>
                {column.pii ? (
                  <span className="pii-badge" title={column.tagged.includes("pii") ? "Tagged PII" : "Carries PII from upstream"}>
                    PII
                  </span>
                ) : null}
              </button>
              <Handle type="source" position={Position.Right} id={`out:${column.column}`} isConnectable={false} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const nodeTypes = { table: TableNode };

function layout(
  data: LineageGraphData,
  onSelect: TableData["onSelect"],
): { nodes: TableNodeType[]; edges: Edge[]; height: number } {
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const ranks = new Map<number, TableGroup[]>();
  for (const table of data.tables) {
    const list = ranks.get(table.depth) ?? [];
    list.push(table);
    ranks.set(table.depth, list);
  }
  const nodes: TableNodeType[] = [];
  let height = 0;
  for (const [rank, tables] of ranks) {
    const heights = tables.map((t) => HEADER + t.columns.length * ROW + 10);
    const total = heights.reduce((a, b) => a + b, 0) + TABLE_GAP * (tables.length - 1);
    height = Math.max(height, total);
    let y = -total / 2;
    tables.forEach((table, index) => {
      const columns = table.columns
        .map((id) => byId.get(id))
        .filter((c): c is ColumnNode => c !== undefined)
        .sort((a, b) => a.column.localeCompare(b.column));
      nodes.push({
        id: `t:${table.name}`,
        type: "table",
        position: { x: rank * RANK_GAP - TABLE_WIDTH / 2, y },
        data: { table, columns, focus: data.focus, onSelect },
        style: { width: TABLE_WIDTH },
      });
      y += (heights[index] ?? 0) + TABLE_GAP;
    });
  }
  const focusId = data.focus.column ? `${data.focus.table}.${data.focus.column}` : null;
  const edges: Edge[] = data.edges.flatMap((edge) => {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) return [];
    const direct = edge.kind === "DIRECT";
    const touchesFocus = edge.source === focusId || edge.target === focusId;
    const colour = direct ? "var(--lin-direct)" : "var(--lin-indirect)";
    return [
      {
        id: edge.id,
        source: `t:${source.table ?? "?"}`,
        target: `t:${target.table ?? "?"}`,
        sourceHandle: `out:${source.column}`,
        targetHandle: `in:${target.column}`,
        className: `${direct ? "edge-direct" : "edge-indirect"}${touchesFocus ? " edge-focus" : ""}`,
        ariaLabel: `${edge.kind} ${edge.subkinds.join(", ")}: ${edge.source} to ${edge.target}`,
        markerEnd: { type: MarkerType.ArrowClosed, color: colour, width: 16, height: 16 },
        style: {
          stroke: colour,
          strokeWidth: touchesFocus ? 2.6 : direct ? 1.8 : 1.4,
          strokeDasharray: direct ? undefined : "6 4",
        },
        zIndex: touchesFocus ? 2 : direct ? 1 : 0,
      },
    ];
  });
  return { nodes, edges, height };
}

export function LineageGraph({
  data,
  onSelect,
}: {
  data: LineageGraphData;
  onSelect: TableData["onSelect"];
}) {
  const { nodes, edges, height } = useMemo(() => layout(data, onSelect), [data, onSelect]);
  // Tall enough for the graph at full size, within what a screen shows.
  const canvasHeight = Math.round(Math.min(680, Math.max(340, height + 90)));
  const key = `${data.focus.table}|${data.focus.column}|${data.depth}|${data.direction}`;
  return (
    <div
      className="lineage-canvas"
      role="region"
      aria-label={`Lineage graph: ${data.tables.length} tables, ${data.nodes.length} columns, ${data.edges.length} edges`}
      data-testid="lineage-graph"
      style={{ height: canvasHeight }}
    >
      <ReactFlow
        key={key}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.12, maxZoom: 1 }}
        minZoom={0.2}
        maxZoom={1.6}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
      >
        <Background gap={22} color="#e2ddd3" />
        <Controls showInteractive={false} position="top-right" />
      </ReactFlow>
    </div>
  );
}
