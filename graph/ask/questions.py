"""Ask the graph: who supplies whom, how two actors are tied, who is central, what is known of one.

:class:`KnowledgeGraph` holds a built dataset (from ``out/``, an Oxigraph store, a remote SPARQL
endpoint, or compiled in memory from ``sources/``) and answers the same questions as the command
line, as plain data (lists of dicts) with the evidence of every answer attached: each row names
its source(s), their titles and the verbatim quotes. The graph work is networkx's, on the
projection of :mod:`graph.ask.projection`.

>>> kg = KnowledgeGraph.from_sources("sources")                      # doctest: +SKIP
>>> [(r["supplier"], r["system"] or r["category"]) for r in kg.supplies(to="Serbia")][:2]  # doctest: +SKIP
[('Belarus', 'MiG-29'), ('China', 'air-defence system')]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Collection, Iterable, NamedTuple

from graph.model.errors import InputError, KGError, UnknownName
from graph.model.generation import default_out
from graph.store.graphcache import GraphCache
from graph.model.attributes import attributes
from graph.store.index import Index
from graph.model.names import fold, resolve, suggest
from graph.store.native import paused_gc
from graph.ask.supplies import Keyed, SupplyRow, evidence, select
from graph.ask import supplies as supply_rows
from graph.ask.supplies import deliveries_text
from graph.ask.paths import Adjacency, adjacency, every_shortest, shortest

# rdflib and networkx (and so the projection, the registry and the terms, which use rdflib) take
# about 0.5 s to import (python -X importtime, 2026-12-01), as long as a cold `serbia-kg supplies
# --store` takes in all when the store's index answers it: they are imported where first used.

__all__ = ["KnowledgeGraph", "NoPath", "MEASURES", "BACKENDS", "HOP_PRIORITY", "BETWEENNESS_EXACT_MAX",
           "BETWEENNESS_SAMPLE", "write_store_caches"]

#: Centrality measures offered.
MEASURES = ("degree", "pagerank", "betweenness", "eigenvector")
#: Libraries betweenness can run on (``auto``: igraph when installed, else networkx).
BACKENDS = ("auto", "igraph", "networkx")
#: Above this many nodes, networkx's betweenness is estimated from a sample of source nodes (and says so).
BETWEENNESS_EXACT_MAX = 1000
#: How many source nodes the estimate samples (networkx's ``k``; seeded, so repeatable).
BETWEENNESS_SAMPLE = 100
#: When two actors are tied by several facts, a path hop shows the first relation of this order
#: (every relation of the schema's edge rules; a test checks that none is missing).
HOP_PRIORITY = ("supplies", "participates_in", "hosts", "part_of", "member_of", "partner_of",
                "cooperates_with", "agreement_with", "sanctions", "at_war_with", "present_in",
                "deploys_to", "borders", "hosts_conference_of", "votes_on", "aligned_with", "enacts",
                "takes_position_on", "states_about", "holds_office_in", "disputes_with", "trains_with",
                "supplies_system", "delivered_to")


class NoPath(KGError):
    """Two actors are not connected (within the hops and relations asked for)."""

    exit_code = 1


class KnowledgeGraph:
    """A built dataset, ready for questions.

    Parameters
    ----------
    data:
        The built graph: an rdflib ``Graph`` or ``Dataset`` (read as the union of its named
        graphs), or a pyoxigraph ``Store`` (read natively, no rdflib). Use :meth:`load` or
        :meth:`from_sources` to get one. What the questions read of it is read once and kept.

    Examples
    --------
    >>> kg = KnowledgeGraph.load("out")                                  # doctest: +SKIP
    >>> kg.path("Serbia", "Belarus")[0]["hops"][0]["says"]               # doctest: +SKIP
    'Belarus supplies Serbia: MiG-29, 4, procured'
    """

    def __init__(self, data: Any, *, index: Index | None = None, cache: GraphCache | None = None) -> None:
        self.data = data
        self.index = index
        self.cache = cache if index is not None else None  # its questions resolve names by the index
        self._read: Any = None
        self._facts: dict[tuple, Any] = {}
        self._graphs: dict[tuple, Any] = {}
        self._adjacency: dict[tuple, Adjacency] = {}
        self._incident: dict[tuple, list[tuple[str, str, str, dict]]] = {}
        self._ranked: dict[tuple, tuple] = {}
        self._names: Any = None
        self._concepts: dict[str, Any] | None = None

    @property
    def _reader(self):
        """What the projection reads ``data`` through (:func:`graph.ask.projection.reader`), made once."""
        if self._read is None:
            from graph.ask.projection import reader

            self._read = reader(self.data)
        return self._read

    # --- loading ------------------------------------------------------------------------------------
    @classmethod
    def load(cls, out: str | Path | None = None, *, sources: str | Path | None = None,
             store: str | Path | None = None, endpoint: str | None = None, native: bool = False) -> "KnowledgeGraph":
        """Open a built dataset.

        Parameters
        ----------
        out:
            The build's output folder (default: ``out/`` beside ``sources``, or ``./out``).
        sources:
            The corpus folder, to find the default ``out`` (:func:`graph.open_graph` also builds it
            when asked to).
        store, endpoint:
            An Oxigraph store folder (read natively with pyoxigraph: nothing goes through rdflib;
            its supplies index, :mod:`graph.store.index`, answers :meth:`supplies` when it can, and
            its graph cache, :mod:`graph.store.graphcache`, :meth:`path` and :meth:`centrality`), or a
            remote SPARQL endpoint URL, instead of ``out`` (see :func:`graph.store.backends.open_dataset`;
            the commands give the store the current build made, :func:`graph.model.generation.own_store`).
        native:
            Read ``out`` with pyoxigraph rather than rdflib (:func:`graph.store.backends.open_native`):
            the build's own Oxigraph store, with its supplies index, when it holds the current build,
            else the build's N-Quads loaded into an in-memory store.

        Raises
        ------
        NotBuilt
            When there is no built dataset (:func:`graph.open_graph` can build it first).
        """
        if store is not None and endpoint is None:
            from graph.store.native import open_store

            return cls(open_store(Path(store)), index=Index.open(Path(store)), cache=GraphCache.open(Path(store)))
        from graph.store.backends import open_dataset

        out = default_out(Path(sources)) if out is None and sources is not None else out
        out = Path("out") if out is None else out
        if store is not None or endpoint is not None:
            return cls(open_dataset(Path(out), store=Path(store) if store is not None else None, endpoint=endpoint))
        return cls._of_out(Path(out), native)

    @classmethod
    def _of_out(cls, out: Path, native: bool) -> "KnowledgeGraph":
        from graph.store.backends import open_dataset, open_native

        if not native:
            return cls(open_dataset(out))
        store, folder = open_native(out)
        if folder is None:
            return cls(store)
        return cls(store, index=Index.open(folder), cache=GraphCache.open(folder))

    # --- the projection, memoised --------------------------------------------------------------------
    def facts(self, *, as_of: Any = None, since: Any = None, until: Any = None,
              relations: Iterable[str] | None = None, open_ends: bool = False):
        """The projection's facts (:func:`graph.ask.projection.facts`), memoised per arguments.

        Computed once per time window and relations, with ``open_ends``; without, they are those
        facts whose both ends are known (:func:`graph.ask.projection.closed`).
        """
        key = (as_of, since, until, tuple(sorted(relations)) if relations else None)
        if key not in self._facts:
            from graph.ask.projection import facts

            self._facts[key] = _call(facts, self._reader, as_of=as_of, since=since, until=until,
                                     relations=list(relations) if relations else None, open_ends=True)
        if open_ends:
            return self._facts[key]
        if key + (False,) not in self._facts:
            from graph.ask.projection import closed

            self._facts[key + (False,)] = closed(self._facts[key])
        return self._facts[key + (False,)]

    def graph(self, *, as_of: Any = None, since: Any = None, until: Any = None,
              relations: Iterable[str] | None = None):
        """The networkx projection (:func:`graph.ask.projection.project`), memoised per arguments: made
        from :meth:`facts` (so a question that reads both projects once)."""
        key = (as_of, since, until, tuple(sorted(relations)) if relations else None)
        if key not in self._graphs:
            from graph.ask.projection import graph_of

            self._graphs[key] = graph_of(self.facts(as_of=as_of, since=since, until=until, relations=relations))
        return self._graphs[key]

    def incident(self, node: str, *, as_of: Any = None) -> list[tuple[str, str, str, dict]]:
        """The facts with ``node`` (an IRI) at one end and both ends known, as ``(u, v, key, attributes)``: read
        from the store's graph cache when it holds the graph asked for, else from :meth:`facts`; memoised
        (the dossier and its neighbourhood ask twice; the busiest 1M actor's 16,800 facts take 0.6 s to decode)."""
        key = (node, as_of)
        if key not in self._incident:
            cache = self._cached(as_of, None)
            if cache is not None:  # the projected graph's attributes (JSON text), decoded as facts() gives them
                self._incident[key] = [(u, v, k, attributes(d)) for u, v, k, d in cache.incident(node)]
            else:
                self._incident[key] = [(u, v, k, d) for u, v, k, d in self.facts(as_of=as_of).edges
                                       if node in (u, v)]
        return self._incident[key]

    def neighbourhood(self, node: str, *, as_of: Any = None, most: int | None = None):
        """The projected graph of ``node`` and the nodes it is tied to (the ``most`` tied by the most facts,
        ties broken by key; ``None``: all), with every fact among them: a ``networkx.MultiDiGraph`` as
        :meth:`graph` gives, read from the store's graph cache when it can be.

        Returns
        -------
        (networkx.MultiDiGraph, int)
            The graph, and how many nodes ``node`` is tied to in all.
        """
        import networkx as nx

        counts: dict[str, int] = {}
        for u, v, _, _ in self.incident(node, as_of=as_of):
            other = v if u == node else u
            if other != node:
                counts[other] = counts.get(other, 0) + 1
        ranked = sorted(counts, key=lambda n: (-counts[n], n))
        kept = {node, *(ranked if most is None else ranked[:most])}
        cache = self._cached(as_of, None)
        G = nx.MultiDiGraph()
        if cache is not None:
            G.add_nodes_from((key, {"label": label, "type": type_, "kind": kind, "iri": key})
                             for key, label, type_, kind in cache.nodes() if key in kept)
            G.add_edges_from(cache.among(kept))
        else:  # as graph() has them, in its order, without making the whole graph
            from graph.ask.projection import graph_edges
            from graph.model.attributes import flat_attributes

            found = self.facts(as_of=as_of)
            G.add_nodes_from((n, flat_attributes(d)) for n, d in found.nodes.items() if n in kept)
            G.add_edges_from((u, v, k, flat_attributes(d)) for u, v, k, d in graph_edges(found)
                             if u in kept and v in kept)
        return G, len(counts)

    def _cached(self, as_of: Any, relations: Iterable[str] | None) -> GraphCache | None:
        """The store's graph cache, when it holds the graph asked for (the whole graph, today's)."""
        return self.cache if as_of is None and not relations else None

    def ties_adjacency(self, *, as_of: Any = None, relations: Iterable[str] | None = None) -> Adjacency:
        """The undirected graph of ties that :meth:`path` searches (:mod:`graph.ask.paths`): every node
        but sources, an edge per pair of nodes tied by a fact; memoised per arguments."""
        key = (as_of, tuple(sorted(relations)) if relations else None)
        if key not in self._adjacency:
            cache = self._cached(as_of, relations)
            if cache is not None:
                nodes = [n[0] for n in cache.nodes() if n[3] != "source"]
                self._adjacency[key] = adjacency(nodes, ((u, v) for u, v, _ in cache.ends()))
            else:
                G = self.graph(as_of=as_of, relations=relations)
                nodes = [n for n, d in G.nodes(data=True) if d["kind"] != "source"]
                self._adjacency[key] = adjacency(nodes, G.edges())
        return self._adjacency[key]

    # --- names ---------------------------------------------------------------------------------------
    @property
    def names(self):
        """The entities of the built graph: a :class:`graph.model.registry.Registry` read from its RDF."""
        if self._names is None:
            from graph.ask.projection import registry_of

            self._names = registry_of(self._reader)
        return self._names

    def resolve(self, name: str, kind: str = "actor"):
        """The entity a name denotes: its id, label or an alias, in any case, with or without diacritics.

        Raises
        ------
        UnknownName
            ``unknown actor 'X'; did you mean 'Y', 'Z'?``
        """
        return self.names.resolve(name, (kind,), what=kind)

    def _label(self, key: str | None) -> str | None:
        if key is None:
            return None
        entity = self.names.by_iri(key)
        if entity is not None:
            return entity.label
        if self.cache is not None:  # a node of the projection (an exercise, a resolution ...): no projecting
            label = self.cache.label(key)
            if label is not None:
                return label
        return self.facts().nodes.get(key, {}).get("label", key)

    def _categories(self) -> dict[str, Any]:
        """Folded names of weapons-system categories -> concept id; and each concept's narrower ones."""
        if self._concepts is None:
            from graph.ask.projection import categories_of

            self._concepts = categories_of(self._reader)
        return self._concepts

    def _category_closure(self, name: str) -> set[str]:
        cats = self._categories()
        cid = cats["index"].get(fold(name))
        if cid is None:
            raise UnknownName("category", name, suggest(name, cats["index"]))
        narrower = {cid}
        changed = True
        while changed:
            changed = False
            for c, parents in cats["broader"].items():
                if c not in narrower and parents & narrower:
                    narrower.add(c)
                    changed = True
        return narrower

    def category_label(self, cid: Any) -> Any:
        """A category id's preferred label (a list of ids gives a list of labels)."""
        if isinstance(cid, list):
            return [self.category_label(c) for c in cid]
        return self._categories()["label"].get(cid, cid) if cid is not None else None

    # --- supplies ------------------------------------------------------------------------------------
    def supplies(self, to: str | None = None, supplier: str | None = None, system: str | None = None,
                 category: str | None = None, since: Any = None, until: Any = None,
                 as_of: Any = None) -> list[SupplyRow]:
        """One row per arms transfer (claims of one fact merged), with its sources and quotes.

        Parameters
        ----------
        to, supplier:
            Actor names: the recipient, the supplier.
        system:
            A weapons system's name.
        category:
            A category (``air-defence system``, ``aircraft`` ...): matches it and its narrower ones.
        since, until, as_of:
            Years or days: see :mod:`graph.ask.projection` (*Time*).

        Returns
        -------
        list of graph.ask.supplies.SupplyRow
            ``supplier`` (``None`` when the source does not say), ``recipient``, ``system``,
            ``category``, ``quantity`` (the number the sources agree on; each source's number adds up
            its claims of the fact), ``quantities`` (each source's number, only when they disagree),
            ``date``, ``order_date``, ``delivery_date``, ``status``, ``condition``, ``reported``
            (first issue date of its sources), ``claims`` and ``sources`` (each with ``source``,
            ``title``, ``quote``, ``claim_id``, ``issued``); sorted by recipient, supplier, date.

        Raises
        ------
        UnknownName
            For a name that denotes no actor, system or category.
        """
        if self.index is not None and not (category or since or until or as_of):
            return _from_index(self.index, to, supplier, system)
        want_to = str(self.resolve(to).iri) if to else None
        want_from = str(self.resolve(supplier).iri) if supplier else None
        want_system = str(self.resolve(system, "system").iri) if system else None
        want_cats = self._category_closure(category) if category else None
        return select(self.supply_rows(as_of=as_of, since=since, until=until), to=want_to, supplier=want_from,
                      system=want_system, categories=want_cats)

    def supply_rows(self, *, as_of: Any = None, since: Any = None, until: Any = None) -> list[Keyed]:
        """Every ``supplies`` row (:mod:`graph.ask.supplies`), in order, each with the IRIs it is asked by.

        The supplies index of an Oxigraph store keeps these rows (see :func:`write_supplies_index`).
        """
        from graph.model.terms import ENTITY

        whole = self._facts.get((as_of, since, until, None))
        if whole is not None:  # the projection of every relation is there: its supplies are the same facts
            edges = [e for e in whole.edges if e[3]["relation"] == "supplies"]
        else:
            edges = self.facts(as_of=as_of, since=since, until=until, relations=["supplies"], open_ends=True).edges
        return supply_rows.rows(edges, label=self._label, category_label=self.category_label,
                                entity_base=str(ENTITY))

    # --- dossier -------------------------------------------------------------------------------------
    def dossier(self, actor: str, *, since: int | None = None, until: int | None = None,
                as_of: Any = None) -> dict:
        """Everything known about one actor, by section (:func:`graph.ask.dossier.dossier`).

        The disagreements are those of its transfers that the build's ``kgg:links`` graph records,
        described as ``serbia-kg conflicts`` describes them
        (:func:`graph.compile.corroboration.linked_conflicts`), on every kind of dataset.
        """
        from rdflib import URIRef

        from graph.ask.dossier import dossier
        from graph.compile.corroboration import linked_conflicts

        entity = self.resolve(actor)
        ds = self._dataset()
        found = linked_conflicts(ds, URIRef(str(entity.iri))) if ds is not None else None
        return dict(dossier(self, actor, since=since, until=until, as_of=as_of, conflicts=found))

    def _dataset(self):
        """What the quad patterns of ``data`` are read through: an rdflib ``Dataset`` as it is, a pyoxigraph
        store as :class:`graph.store.sparql.StoreQuads` (no oxrdflib); ``None`` for a bare graph."""
        from rdflib import Dataset

        from graph.store.native import oxigraph_of
        from graph.store.sparql import StoreQuads

        store = oxigraph_of(self.data)
        if store is not None:
            return StoreQuads(store)
        return self.data if isinstance(self.data, Dataset) else None

    # --- votes, series, alignment (tables) ------------------------------------------------------------
    def votes(self, actor: str, compare: Iterable[str] = (), *, as_of: Any = None) -> dict:
        """How ``actor`` voted on each resolution the graph knows, beside each actor of ``compare``, with
        the rate at which they voted alike and the evidence of every vote (:func:`graph.ask.votes.votes`);
        ``as_of``: the votes cast, and reported, by that day.

        Raises
        ------
        UnknownName
            For a name that denotes no actor.
        InputError
            For an ``as_of`` that is not a date.
        """
        from graph.ask.votes import votes

        me = str(self.resolve(actor).iri)
        others = [str(self.resolve(name).iri) for name in compare]
        return _call(votes, self._reader, me, others, self._label, as_of)

    def series(self, actor: str, indicator: str | None = None, *, as_of: Any = None) -> list[dict]:
        """The yearly observations of ``actor`` (of one indicator, by id or label, or all), each with its
        source and quote (:func:`graph.ask.series.series`); ``as_of``: those of periods begun, and
        reported, by that day.

        Raises
        ------
        UnknownName
            For an unknown actor or indicator.
        InputError
            For an ``as_of`` that is not a date.
        """
        from graph.ask.series import resolve_indicator, series

        me = str(self.resolve(actor).iri)
        wanted = resolve_indicator(self._reader, indicator) if indicator else None
        return _call(series, self._reader, me, wanted, self._label, as_of)

    def indicators(self) -> dict[str, str]:
        """The indicators a series can be asked for: id -> label."""
        from graph.ask.series import indicators

        return dict(sorted(indicators(self._reader).items()))

    def alignment(self, actor: str | None = None) -> list[dict]:
        """Every alignment rate (of ``actor``), with who measured and who reported it
        (:func:`graph.ask.alignment.alignment_rates`)."""
        from graph.ask.alignment import alignment_rates

        return alignment_rates(self._reader, self._label, str(self.resolve(actor).iri) if actor else None)

    def conflicts(self) -> list[dict]:
        """Where sources disagree about one fact, as ``serbia-kg conflicts`` lists them: each disagreement on a
        transfer between claims the build linked (:func:`graph.compile.corroboration.conflicts`; ``about``
        ``transfer``, ``fact``, then :meth:`graph.compile.corroboration.Conflict.as_dict`), then each period
        with different alignment rates (:meth:`alignment_conflicts`).

        Raises
        ------
        InputError
            When the graph is read from a SPARQL endpoint (the links are compared again in the dataset).
        """
        from graph.compile.corroboration import conflicts as find

        ds = self._dataset()
        if ds is None:
            raise InputError("conflicts are read from a build's dataset or store, not from an endpoint")
        found = [{"about": "transfer", "fact": f"{c.supplier} -> {c.recipient}: {c.system}", **c.as_dict()}
                 for c in find(ds)]
        return found + self.alignment_conflicts()

    def alignment_conflicts(self) -> list[dict]:
        """Periods with different alignment rates of one country, each side with its measurer and
        evidence (:func:`graph.ask.alignment.alignment_conflicts`)."""
        from graph.ask.alignment import alignment_conflicts

        return alignment_conflicts(self._reader, self._label)

    # --- path ----------------------------------------------------------------------------------------
    def path(self, a: str, b: str, *, max_hops: int | None = None, relations: Iterable[str] | None = None,
             all_paths: bool = False, as_of: Any = None) -> list[dict]:
        """The shortest chain(s) of ties between two actors, each hop with relation, direction, evidence.

        Ties are followed either way (a supply links supplier and recipient alike); each hop says
        which way its fact points. Exercises, programmes, instruments and places may sit between
        two actors; sources (an author's own statements) may not.

        Parameters
        ----------
        a, b:
            Actor names.
        max_hops:
            Refuse chains longer than this.
        relations:
            Follow only these relations.
        all_paths:
            Every shortest chain, not just the first.
        as_of:
            The graph as it stood on that day.

        Returns
        -------
        list of dict
            One per chain: ``from``, ``to``, ``length``, ``hops`` (each: ``step``, ``from``, ``to``,
            ``relation``, ``direction`` (``forward``, ``backward`` or ``mutual``), ``says``, ``date``,
            ``claims``, ``sources``, ``other_ties``).

        Raises
        ------
        UnknownName
            For an unknown actor.
        NoPath
            When no chain joins them (within ``max_hops``).
        """
        cache = self._cached(as_of, relations)
        if cache is not None and self.index is not None:  # names, labels and ties from the store's caches
            ea, eb = _Actor.indexed(self.index, a), _Actor.indexed(self.index, b)
            words = _Words(cache.label, cache.kind, lambda c: _each(c, lambda one: cache.category(one) or one),
                           cache.transfer_relations())
        else:
            ea, eb = _Actor.of(self.resolve(a)), _Actor.of(self.resolve(b))
            words = self._words()
        if ea.id == eb.id:
            raise InputError(f"'{a}' and '{b}' are the same actor ({ea.label}): no path to ask for")
        adj = self.ties_adjacency(as_of=as_of, relations=relations)
        what = f" over {', '.join(sorted(relations))}" if relations else ""
        if ea.iri not in adj or eb.iri not in adj:  # an actor the graph does not have (no node)
            raise NoPath(f"no connection between {ea.label} and {eb.label}{what}")
        one = shortest(adj, ea.iri, eb.iri) if not all_paths else None
        chains = every_shortest(adj, ea.iri, eb.iri) if all_paths else ([one] if one is not None else [])
        if not chains:
            raise NoPath(f"no connection between {ea.label} and {eb.label}{what}")
        hops = len(chains[0]) - 1
        if max_hops is not None and hops > max_hops:
            raise NoPath(f"no connection between {ea.label} and {eb.label} within {max_hops} hop(s){what} "
                         f"(the shortest takes {hops})")
        if cache is not None:
            between = cache.between
        else:
            G = self.graph(as_of=as_of, relations=relations)

            def between(x: str, y: str) -> list[tuple[str, str, str, dict]]:
                return ([(x, y, k, d) for k, d in (G.get_edge_data(x, y) or {}).items()]
                        + [(y, x, k, d) for k, d in (G.get_edge_data(y, x) or {}).items()])
        return [{"from": ea.label, "to": eb.label, "length": hops,
                 "hops": [self._hop(between(x, y), i + 1, x, y, words)
                          for i, (x, y) in enumerate(zip(chain, chain[1:]))]}
                for chain in chains]

    def _words(self) -> "_Words":
        """Words from the registry, the projection and the schema (what the store's graph cache keeps)."""
        from graph.model.schema import TRANSFER_RELATIONS  # rdflib: see the imports above

        return _Words(self._label, lambda n: self.facts().nodes.get(n, {}).get("kind"), self.category_label,
                      TRANSFER_RELATIONS)

    def _hop(self, edges: list[tuple[str, str, str, dict]], step: int, x: str, y: str, words: "_Words") -> dict:
        """One hop of a chain, from the facts between its ends (``x`` to ``y`` first, then ``y`` to ``x``)."""
        order = {r: i for i, r in enumerate(HOP_PRIORITY)}
        edges = sorted(edges, key=lambda e: (order.get(e[3]["relation"], len(order)), -e[3]["weight"], e[2]))
        u, v, key, flat = edges[0]
        d = attributes(flat)  # the evidence as lists (the projected graph keeps them as JSON text)
        direction = "mutual" if not d["directed"] else ("forward" if u == x else "backward")
        return {"step": step, "from": words.label(x), "to": words.label(y), "relation": d["relation"],
                "direction": direction, "says": self._says(u, v, d, words=words), "date": d["date"],
                "fact": key, "claims": d["claim_ids"], "sources": evidence(d),
                "other_ties": sorted({e[3]["relation"] for e in edges[1:]})}

    def _says(self, u: str | None, v: str | None, d: dict, *, subject: str | None = None,
              obj: str | None = None, words: "_Words | None" = None) -> str:
        """A fact in words: "Belarus supplies Serbia: MiG-29, 4, procured"."""
        if words is None:
            words = self._words()
        if subject is None:
            subject = words.label(u) or "(not named)"
            if u is not None and words.kind(u) == "source":
                subject = f"the author of {_eid_source(u)}"
        if obj is None:
            obj = words.label(v) or "(not named)"
        details: list[Any] = []
        rel = d["relation"]
        if rel in words.transfers:
            numbers: list[Any] = []
            if d.get("ordered") is not None or d.get("delivered") is not None or d.get("deliveries"):
                if d.get("ordered") is not None:
                    numbers.append(f"ordered {d['ordered']}"
                                   + (f" in {d['order_year']}" if d.get("order_year") else ""))
                if d.get("delivered") is not None or d.get("deliveries"):
                    shown = "" if d.get("delivered") is None else f" {d['delivered']}"
                    years = deliveries_text(d.get("deliveries"))
                    numbers.append(f"delivered{shown}" + (f" ({years})" if years else ""))
            else:
                numbers = [d.get("quantity")]
            said = any(isinstance(n, str) and n.startswith(f"{d.get('status')} ") for n in numbers)
            details = [d.get("system") or words.category(d.get("category")), *numbers,
                       None if said else d.get("status"),  # "delivered 30", not "delivered 30, delivered"
                       None if d.get("deliveries") else d.get("date")]
        elif rel == "takes_position_on" and d.get("stance") and d.get("topic"):
            # "Serbia opposes sanctions on Russia for the invasion of Ukraine",
            # not "takes a position on Russia: opposes"
            when = f" ({d['date']})" if d.get("date") else ""
            return f"{subject} {d['stance']} {d['topic']}{when}"
        elif rel == "holds_office_in" and d.get("office"):
            when = f" ({d['date']})" if d.get("date") else ""
            return f"{subject}: {d['office']} of {obj}{when}"
        elif rel == "states_about":
            details = [d.get("statement"), f"“{d['words']}”" if d.get("words") else d.get("topic"), d.get("date")]
        else:
            for k in ("position", "membership", "stance", "topic", "trend", "role", "percentage", "quantity",
                      "programme", "presence", "border", "forces", "name", "reason", "date"):
                if d.get(k) not in (None, [], ""):
                    details.append(f"{d[k]}%" if k == "percentage" else d[k])
        details = [str(x) if not isinstance(x, list) else ", ".join(map(str, x)) for x in details
                   if x not in (None, "", [])]
        return f"{subject} {d['label']} {obj}" + (": " + ", ".join(details) if details else "")

    def _says_subject(self, u: str | None, label: str) -> str:
        if u is not None and self.facts().nodes.get(u, {}).get("kind") == "source":
            return f"the author of {_eid_source(u)}"
        return label

    # --- centrality ----------------------------------------------------------------------------------
    def centrality(self, measure: str = "degree", *, relations: Iterable[str] | None = None,
                   top: int | None = 10, as_of: Any = None, backend: str = "auto") -> list[dict]:
        """Actors ranked by a centrality measure.

        ``degree`` counts an actor's ties (facts, each edge once); ``pagerank``, ``betweenness`` and
        ``eigenvector`` run on the undirected graph of ties, weighted by the number of sources
        (``eigenvector`` on its largest connected component: actors outside it score 0).
        Exercises, programmes and other non-actor nodes take part in the computation but are not
        ranked; sources (authors' statements) are left out. Betweenness (unweighted, normalised as
        networkx normalises it) is computed by ``backend``: ``igraph`` (exact, at any size), or
        ``networkx``, which on more than :data:`BETWEENNESS_EXACT_MAX` nodes estimates it from
        :data:`BETWEENNESS_SAMPLE` sampled nodes (seeded); ``auto`` takes igraph when it is installed.
        PageRank is networkx's power iteration, run on numpy alone (the same scores, without importing
        networkx). Each row's ``sampled`` says how many nodes were sampled (``None``: exact) and
        ``backend`` which library computed the scores (``None`` for degree, a count). No tie of the
        relations asked for (by ``as_of``): no rows.

        Returns
        -------
        list of dict
            ``rank``, ``actor``, ``id``, ``type``, ``score``, ``ties``, ``measure``, ``sampled``, ``backend``.

        Raises
        ------
        InputError
            For an unknown measure or backend, or a negative ``top``.
        """
        if measure not in MEASURES:
            raise InputError(f"unknown measure '{measure}'; expected one of {', '.join(MEASURES)}")
        if backend not in BACKENDS:
            raise InputError(f"unknown backend '{backend}'; expected one of {', '.join(BACKENDS)}")
        if top is not None and top < 0:
            raise InputError(f"--top must be 0 or more, not {top}")
        info, ends, eid = self._ranked_graph(as_of, relations)
        if not ends:  # no tie of the relations asked for (by that date): nothing to rank, not every actor at 0
            return []
        rows = _rank(info, ends, measure, backend, eid)
        rows.sort(key=lambda r: (-r["score"], -r["ties"], r["actor"]))
        rows = [{"rank": i, **r} for i, r in enumerate(rows, 1)]
        return rows[:top] if top is not None else rows

    def _ranked_graph(self, as_of: Any, relations: Iterable[str] | None) -> tuple[
            dict[str, tuple[str, str, str]], list[tuple[str, str, float]], Callable[[Any], str | None]]:
        """What :meth:`centrality` ranks: the nodes (key -> label, type, kind), the facts' ends with their
        weights, and how an entity's id is read from a key; memoised per arguments (the dossier asks for
        two measures)."""
        key = (as_of, tuple(sorted(relations)) if relations else None)
        if key not in self._ranked:
            cache = self._cached(as_of, relations)
            if cache is not None:  # the store's graph cache: the same nodes and ties, without projecting
                self._ranked[key] = ({k: (label, type_, kind) for k, label, type_, kind in cache.nodes()},
                                     cache.ends(), cache.entity_id)
            else:  # graph()'s nodes and ties, in its order, without making it (networkx's graph: 0.5 s of 1 s)
                from graph.ask.projection import graph_edges

                found = self.facts(as_of=as_of, relations=relations)
                info = {n: (d.get("label"), d.get("type"), d.get("kind")) for n, d in found.nodes.items()}
                self._ranked[key] = (info, [(u, v, d["weight"]) for u, v, _, d in graph_edges(found)], _eid)
        return self._ranked[key]

    @staticmethod
    def _tie_graph(nodes: list[str], between: list[tuple[str, str, float]]):
        """The undirected graph of ties: one edge per pair of actors, weighted by the sum of its facts' weights.

        Nodes in sorted order, pairs in the order of their first fact by (from, to): the same graph,
        in the same order, whichever order the facts come in.
        """
        import networkx as nx

        U = nx.Graph()
        U.add_nodes_from(nodes)
        U.add_weighted_edges_from((u, v, w) for (u, v), w in _tie_weights(between).items())
        return U

    # --- ties ----------------------------------------------------------------------------------------
    def ties(self, actor: str, *, as_of: Any = None, relations: Iterable[str] | None = None) -> dict:
        """Everything known about one actor, grouped by relation, with evidence.

        Returns
        -------
        dict
            ``actor``, ``id``, ``type``, ``relations`` (relation -> list of rows: ``relation``,
            ``direction`` (``outgoing``, ``incoming``, ``mutual``), ``with`` (the other ends'
            labels), ``says``, ``date``, ``details``, ``claims``, ``sources``), ``count``.

        Raises
        ------
        UnknownName
            For an unknown actor.
        """
        entity = self.resolve(actor)
        me = str(entity.iri)
        F = self.facts(as_of=as_of, relations=relations, open_ends=True)
        by_fact: dict[tuple, dict] = {}
        participants: dict[str, list[str]] = {}
        for u, v, _, d in F.edges:
            if d["relation"] in ("participates_in", "hosts") and v is not None:
                participants.setdefault(v, []).append(self._label(u) or "(not named)")
        skip = {"relation", "label", "directed", "claims", "claim_ids", "sources", "evidence", "date",
                "end_date", "weight", "system_iri"}
        for u, v, key, d in F.edges:
            if me not in (u, v):
                continue
            direction = "mutual" if not d["directed"] else ("outgoing" if u == me else "incoming")
            other = v if u == me else u
            row = by_fact.get((d["relation"], key, direction))
            if row is None:
                row_edge = (u, v, d)
                details = {k: val for k, val in d.items() if k not in skip and val not in (None, [], "")}
                if "category" in details:
                    details["category"] = self.category_label(details["category"])
                if d["relation"] in ("participates_in", "hosts") and v in participants:
                    details["participants"] = sorted(set(participants[v]))
                row = {"relation": d["relation"], "direction": direction, "with": [],
                       "says": None, "date": d["date"], "details": details,
                       "fact": key, "claims": d["claim_ids"], "sources": evidence(d), "_edge": row_edge}
                by_fact[(d["relation"], key, direction)] = row
            name = self._label(other) if other is not None else "(not named)"
            if name not in row["with"]:
                row["with"].append(name)
        grouped: dict[str, list[dict]] = {}
        for row in by_fact.values():
            u, v, d = row.pop("_edge")
            others = ", ".join(row["with"])  # one fact, several other ends: one row naming them all
            if row["direction"] == "incoming":
                row["says"] = self._says(u, v, d, subject=others)
            else:
                row["says"] = self._says(u, v, d, subject=self._says_subject(u, entity.label), obj=others)
            grouped.setdefault(row["relation"], []).append(row)
        order = {r: i for i, r in enumerate(HOP_PRIORITY)}
        relations_out = {}
        for rel in sorted(grouped, key=lambda r: (order.get(r, len(order)), r)):
            relations_out[rel] = sorted(grouped[rel], key=lambda r: (r["direction"], r["date"] or "", r["with"],
                                                                     r["fact"]))
        return {"actor": entity.label, "id": entity.id, "type": entity.type_name,
                "count": sum(len(v) for v in relations_out.values()), "relations": relations_out}


def _tie_weights(between: list[tuple[str, str, float]]) -> dict[tuple[str, str], float]:
    """Each pair of tied nodes (in the order of its first fact by (from, to)) -> the sum of its facts' weights."""
    weights: dict[tuple[str, str], float] = {}
    for u, v, w in sorted(between, key=lambda e: (e[0], e[1])):
        key = (v, u) if (v, u) in weights else (u, v)
        weights[key] = weights.get(key, 0.0) + w
    return weights


def _rank(info: dict[str, tuple[str, str, str]], ends: Iterable[tuple[str, str, float]], measure: str,
          backend: str, eid: Callable[[Any], str | None]) -> list[dict]:
    """The unranked rows of :meth:`KnowledgeGraph.centrality`, from the nodes (key -> label, type, kind),
    the facts' ends with their weights, and how an entity's id is read from its key."""
    with paused_gc():
        keep = sorted(n for n, (_, _, kind) in info.items() if kind != "source")
        ties = dict.fromkeys(keep, 0)  # each fact once, between kept nodes (a loop counts twice)
        between = []  # (u, v, weight) of each such fact, u != v
        for u, v, w in ends:
            if u in ties and v in ties:
                ties[u] += 1
                ties[v] += 1
                if u != v:
                    between.append((u, v, w))
        sampled, ran = None, None
        if measure == "degree":
            scores = {n: float(t) for n, t in ties.items()}
        elif measure == "pagerank":  # no tie: every score 0, as before
            scores, ran = (_pagerank(keep, _tie_weights(between)) if between else {}), "numpy"
        elif measure == "betweenness" and between and _backend(backend) == "igraph":
            scores, ran = _betweenness_igraph(keep, list(_tie_weights(between))), "igraph"
        else:
            scores, sampled, ran = _networkx_scores(KnowledgeGraph._tie_graph(keep, between), measure)
        return [{"actor": info[n][0], "id": eid(n), "type": info[n][1], "score": round(float(scores.get(n, 0.0)), 6),
                 "ties": ties[n], "measure": measure, "sampled": sampled, "backend": ran}
                for n in keep if info[n][2] == "actor"]


def _pagerank(nodes: list[str], weights: dict[tuple[str, str], float], alpha: float = 0.85,
              max_iter: int = 100, tol: float = 1.0e-6) -> dict[str, float]:
    """PageRank of the undirected weighted graph, as ``networkx.pagerank(U, weight="weight")`` computes it
    (its power iteration, operation for operation, so the same floats), with numpy alone: a cold
    ``centrality --measure pagerank`` need not import networkx and scipy (1-3 s here).

    Raises
    ------
    KGError
        When the iteration does not converge.
    """
    import numpy as np

    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    one = [(index[u], index[v], w) for (u, v), w in weights.items()]
    rows = np.array([i for i, _, _ in one] + [j for _, j, _ in one], dtype=np.int64)
    cols = np.array([j for _, j, _ in one] + [i for i, _, _ in one], dtype=np.int64)
    data = np.array([w for _, _, w in one] * 2, dtype=float)
    order = np.lexsort((cols, rows))  # a CSR matrix's order: by row, then column
    rows, cols, data = rows[order], cols[order], data[order]
    out = np.bincount(rows, weights=data, minlength=n)  # each row's sum, summed in that order
    out[out != 0] = 1.0 / out[out != 0]
    data = out[rows] * data  # each row divided by its sum
    x = np.repeat(1.0 / n, n)
    p = np.repeat(1.0 / n, n)
    dangling = np.where(out == 0)[0]
    for _ in range(max_iter):
        xlast = x
        x = alpha * (np.bincount(cols, weights=x[rows] * data, minlength=n) + sum(x[dangling]) * p) + (1 - alpha) * p
        if np.absolute(x - xlast).sum() < n * tol:
            return dict(zip(nodes, map(float, x)))
    raise KGError(f"PageRank did not converge in {max_iter} iterations")


def _backend(backend: str) -> str:
    """The library betweenness runs on: ``igraph`` when asked for, or for ``auto`` when installed."""
    if backend == "auto":
        import importlib.util

        return "igraph" if importlib.util.find_spec("igraph") is not None else "networkx"
    return backend


def _networkx_scores(U: Any, measure: str) -> tuple[dict[str, float], int | None, str]:
    """Eigenvector or betweenness (sampled above :data:`BETWEENNESS_EXACT_MAX` nodes) by networkx."""
    import networkx as nx

    sampled = None
    if U.number_of_edges() == 0:
        scores = {n: 0.0 for n in U}
    elif measure == "betweenness":
        if U.number_of_nodes() > BETWEENNESS_EXACT_MAX:
            sampled = BETWEENNESS_SAMPLE
            scores = nx.betweenness_centrality(U, k=sampled, seed=0)
        else:
            scores = nx.betweenness_centrality(U)
    else:  # defined for a connected graph: the largest component; actors outside it score 0
        largest = max(nx.connected_components(U), key=lambda c: (len(c), sorted(c)[0]))
        scores = nx.eigenvector_centrality_numpy(U.subgraph(largest), weight="weight") \
            if len(largest) > 1 else {}
    return scores, sampled, "networkx"


def _betweenness_igraph(nodes: list[str], pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Exact betweenness of the undirected, unweighted graph of ``pairs`` by igraph, normalised as
    ``networkx.betweenness_centrality`` normalises it (by the number of pairs of other nodes)."""
    import igraph

    number = {n: i for i, n in enumerate(nodes)}
    g = igraph.Graph(n=len(nodes), edges=[(number[u], number[v]) for u, v in pairs], directed=False)
    n = len(nodes)
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    return {node: b * scale for node, b in zip(nodes, g.betweenness(directed=False))}


def _from_index(index: Index, to: str | None, supplier: str | None, system: str | None) -> list[SupplyRow]:
    """The rows of a store's supplies index, its names resolved as the registry resolves them.

    Raises
    ------
    UnknownName
        For a name that denotes no actor (or system), or several.
    """
    want = {key: index.resolve(name, kind) for key, name, kind in
            (("to", to, "actor"), ("supplier", supplier, "actor"), ("system", system, "system")) if name}
    return index.rows(**want)


def write_supplies_index(store: Any, folder: Path, *, kg: "KnowledgeGraph | None" = None) -> int:
    """Compute every supplies row and name of an Oxigraph store with the engine; write them as its index.

    ``store`` is a pyoxigraph ``Store`` whose folder is ``folder`` (:func:`graph.store.backends.load_store`
    calls this before the store is swapped in; ``kg``: a :class:`KnowledgeGraph` of it, whose
    projection is reused). Returns the number of rows written.
    """
    from graph.store import index

    kg = kg if kg is not None else KnowledgeGraph(store)
    registry = kg.names
    names = [(eid, kind, str(registry.get(eid).iri), label, folded)
             for eid, kind, label, folded in registry.names.table(("actor", "system"))]
    return index.write_rows(folder, ((k.recipient, k.supplier, k.system, k.row) for k in kg.supply_rows()), names)


class _Actor(NamedTuple):
    """An actor a question names: its id, IRI and label."""

    id: str
    iri: str
    label: str

    @classmethod
    def of(cls, entity: Any) -> "_Actor":
        """From the registry's :class:`graph.model.registry.Entity`."""
        return cls(entity.id, str(entity.iri), entity.label)

    @classmethod
    def indexed(cls, index: Index, name: str) -> "_Actor":
        """From a store's index, by the one lookup (:func:`graph.model.names.resolve`).

        Raises
        ------
        UnknownName
            As the registry does.
        """
        eid = resolve(index, name, ["actor"], what="actor")
        return cls(eid, index.iri_of(eid), index.label_of(eid))


class _Words(NamedTuple):
    """What a fact is told in words with: a node's label and kind, a category's label, the relations of
    arms transfers (:data:`graph.model.schema.TRANSFER_RELATIONS`)."""

    label: Callable[[Any], str | None]
    kind: Callable[[Any], str | None]
    category: Callable[[Any], Any]
    transfers: Collection[str]


def _each(value: Any, one: Callable[[Any], Any]) -> Any:
    """``one`` of a value, of each of a list of them; ``None`` stays ``None``."""
    if isinstance(value, list):
        return [one(v) for v in value]
    return one(value) if value is not None else None


def write_store_caches(store: Any, folder: Path, keep: Callable[[Any], None] | None = None) -> int:
    """Compute and write every cache kept beside an Oxigraph store: its supplies index
    (:func:`write_supplies_index`) and its graph cache (:mod:`graph.store.graphcache`: the projection
    :meth:`KnowledgeGraph.graph` gives, which :meth:`KnowledgeGraph.path` and
    :meth:`KnowledgeGraph.centrality` read); the graph is projected once for both.

    ``store`` is a pyoxigraph ``Store`` whose folder is ``folder`` (:func:`graph.store.backends.load_store`
    calls this before the store is switched in). ``keep`` is called with the projection's facts (those the
    graph cache holds), for a caller that uses them next (the build's view). Returns the number of supplies
    rows written.
    """
    from graph.ask.projection import graph_edges
    from graph.model.attributes import flat_attributes
    from graph.model.schema import TRANSFER_RELATIONS
    from graph.model.terms import ENTITY
    from graph.store import graphcache

    kg = KnowledgeGraph(store)
    whole = kg.facts()  # KnowledgeGraph.graph()'s nodes and edges, in its order, without making the networkx graph
    rows = write_supplies_index(store, folder, kg=kg)
    categories = {cid: label for cid, label in kg._categories()["label"].items()}
    graphcache.write(folder, ((n, flat_attributes(d)) for n, d in whole.nodes.items()),
                     ((u, v, k, flat_attributes(d)) for u, v, k, d in graph_edges(whole)), categories, str(ENTITY),
                     sorted(TRANSFER_RELATIONS))
    if keep is not None:
        keep(whole)
    return rows


def _eid_source(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _eid(key: str | None) -> str | None:
    from graph.model.terms import ENTITY

    if key is None:
        return None
    base = str(ENTITY)
    return key[len(base):] if key.startswith(base) else key


def _call(fn, *args, **kwargs):
    """Run a projection function, turning a bad date into a one-line input error (an unknown relation is one)."""
    from graph.model.dates import DateError  # rdflib: see the imports above

    try:
        return fn(*args, **kwargs)
    except DateError as exc:
        raise InputError(str(exc)) from None
