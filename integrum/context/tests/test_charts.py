"""The process map: every process drawn and linked, names escaped, loops survive the layout."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from integrum.context.charts import MapEdge, MapNode, layers, process_map

SVG = "{http://www.w3.org/2000/svg}"


def nodes(*names: str) -> list[MapNode]:
    return [
        MapNode(i, f"PR-{i:03d}", name, f"/context/processes/{i}/") for i, name in enumerate(names, start=1)
    ]


def test_it_draws_each_process_as_a_link():
    svg = str(process_map(nodes("Sales", "Production", "Delivery"), [MapEdge(1, 2, "Orders"), MapEdge(2, 3)]))
    root = ET.fromstring(svg)  # well-formed XML
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/context/processes/1/", "/context/processes/2/", "/context/processes/3/"]
    for text in ("PR-001", "Sales", "Production", "Delivery", "PR-001 feeds PR-002: Orders"):
        assert text in svg
    assert len(list(root.iter(f"{SVG}path"))) == 3  # two arrows and the arrow head


def test_it_escapes_names():
    svg = str(process_map(nodes('<script>alert("x")</script> & co'), []))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp; co" in svg
    ET.fromstring(svg)


def test_it_lays_processes_out_in_layers_and_survives_loops():
    assert layers([1, 2, 3], [(1, 2), (2, 3)]) == {1: 0, 2: 1, 3: 2}
    loop = layers([1, 2, 3], [(1, 2), (2, 3), (3, 1)])
    assert sorted(loop.values()) == [0, 1, 2]
    svg = str(process_map(nodes("A", "B", "C"), [MapEdge(1, 2), MapEdge(2, 3), MapEdge(3, 1)]))
    ET.fromstring(svg)


@given(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8)), max_size=30))
def test_it_places_a_fed_process_right_of_its_feeder_unless_a_loop_closes(edges):
    ids = list(range(1, 9))
    placed = layers(ids, edges)
    assert set(placed) == set(ids)
    # Edges left out of the layering close loops; all others point rightwards.
    rightwards = sum(1 for s, t in set(edges) if s != t and placed[t] > placed[s])
    assert rightwards >= 0
    for s, t in set(edges):
        if s != t and placed[t] <= placed[s]:
            # such an edge must belong to a cycle: t reaches s
            reach, frontier = {t}, [t]
            while frontier:
                node = frontier.pop()
                for a, b in edges:
                    if a == node and b not in reach:
                        reach.add(b)
                        frontier.append(b)
            assert s in reach
