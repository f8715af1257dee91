"""The process map (clause 4.4): processes as boxes in layers, arrows for "feeds", drawn as SVG.

Layers follow the interactions from left to right (a simple layered layout): a process sits one
layer right of the furthest process feeding it. Loops are broken by ignoring the edges that close
them (found by a depth-first search) when layering; those edges are still drawn, curving back.
Every text is escaped; colours are attributes so the PDF renderer needs no stylesheet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BOX_W, BOX_H = 190, 58
GAP_X, GAP_Y = 70, 26
MARGIN = 20
NAME_CHARS = 26


@dataclass(frozen=True)
class MapNode:
    id: int
    reference: str
    name: str
    url: str
    muted: bool = False  # a draft or retired process


@dataclass(frozen=True)
class MapEdge:
    source: int
    target: int
    flows: str = ""


def back_edges(nodes: Sequence[int], edges: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Edges that close a loop in a depth-first search (iterative: no recursion limit)."""
    out: dict[int, list[int]] = defaultdict(list)
    for source, target in edges:
        out[source].append(target)
    state: dict[int, int] = {}  # 1: on the stack, 2: done
    found: set[tuple[int, int]] = set()
    for root in nodes:
        if root in state:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack[-1]
            if index < len(out[node]):
                stack[-1] = (node, index + 1)
                nxt = out[node][index]
                if state.get(nxt) == 1:
                    found.add((node, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()
    return found


def layers(nodes: Sequence[int], edges: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Layer of each node: 0 for those nothing feeds, else one more than its furthest feeder."""
    broken = back_edges(nodes, edges)
    kept = [(s, t) for s, t in edges if (s, t) not in broken and s != t]
    incoming: dict[int, list[int]] = defaultdict(list)
    outgoing: dict[int, list[int]] = defaultdict(list)
    for source, target in kept:
        incoming[target].append(source)
        outgoing[source].append(target)
    pending = {node: len(incoming[node]) for node in nodes}
    ready = [node for node in nodes if pending[node] == 0]
    layer = {node: 0 for node in nodes}
    while ready:
        node = ready.pop()
        for target in outgoing[node]:
            layer[target] = max(layer[target], layer[node] + 1)
            pending[target] -= 1
            if pending[target] == 0:
                ready.append(target)
    return layer


def _short(text: str, limit: int = NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def process_map(nodes: Sequence[MapNode], edges: Sequence[MapEdge], title: str = "Process map") -> SafeString:
    """The map as inline SVG; each box links to its process and each arrow says what flows."""
    ids = [node.id for node in nodes]
    known = set(ids)
    edges = [edge for edge in edges if edge.source in known and edge.target in known]
    layer = layers(ids, [(e.source, e.target) for e in edges])
    columns: dict[int, list[MapNode]] = defaultdict(list)
    for node in nodes:
        columns[layer[node.id]].append(node)
    # Order each column by where its feeders sit (barycentre), so arrows cross less.
    row: dict[int, float] = {}
    feeders: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        feeders[edge.target].append(edge.source)
    for column in sorted(columns):
        members = columns[column]

        def weight(node: MapNode) -> tuple[float, str]:
            placed = [row[f] for f in feeders[node.id] if f in row]
            return (sum(placed) / len(placed) if placed else float("inf"), node.reference)

        members.sort(key=weight)
        for index, node in enumerate(members):
            row[node.id] = index
    count_x = (max(columns) + 1) if columns else 1
    count_y = max((len(m) for m in columns.values()), default=1)
    width = MARGIN * 2 + count_x * BOX_W + (count_x - 1) * GAP_X
    height = MARGIN * 2 + 24 + count_y * BOX_H + (count_y - 1) * GAP_Y
    position = {
        node.id: (MARGIN + layer[node.id] * (BOX_W + GAP_X), MARGIN + 24 + row[node.id] * (BOX_H + GAP_Y))
        for node in nodes
    }
    parts = [
        f'<svg class="chart process-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="process-map-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>',
        f'<text class="chart__title" font-size="14" font-weight="600" fill="#1d2530" x="{MARGIN}" y="{MARGIN}">'
        f"{escape(title)}</text>",
    ]
    by_id = {node.id: node for node in nodes}
    for edge in edges:
        sx, sy = (float(v) for v in position[edge.source])
        tx, ty = (float(v) for v in position[edge.target])
        tip = f"{by_id[edge.source].reference} feeds {by_id[edge.target].reference}"
        if edge.flows:
            tip += f": {edge.flows}"
        if layer[edge.target] > layer[edge.source]:
            x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H / 2, tx, ty + BOX_H / 2
            mid = (x1 + x2) / 2
            path = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        else:  # feeding back (a loop) or within a layer: curve over the boxes
            x1, y1, x2, y2 = sx + BOX_W / 2, sy, tx + BOX_W / 2, ty
            lift = min(y1, y2) - GAP_Y * 0.9
            path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{lift:.1f} {x2:.1f},{lift:.1f} {x2:.1f},{y2:.1f}"
        parts.append(
            f'<path class="process-map__edge" d="{path}" fill="none" stroke="#57606a" stroke-width="1.5" '
            f'marker-end="url(#process-map-arrow)"><title>{escape(tip)}</title></path>'
        )
    for node in nodes:
        x, y = position[node.id]
        fill, stroke = ("#f2f4f6", "#9aa4ae") if node.muted else ("#eaf2f8", "#1f5f8b")
        parts.append(
            f'<a class="process-map__node" href="{escape(node.url)}">'
            f"<title>{escape(node.reference)} {escape(node.name)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"/>'
            f'<text x="{x + 10}" y="{y + 22}" font-size="12" font-weight="600" fill="#1f5f8b">'
            f"{escape(node.reference)}</text>"
            f'<text x="{x + 10}" y="{y + 42}" font-size="12" fill="#1d2530">{escape(_short(node.name))}</text>'
            "</a>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above
