"""Classify a SPARQL request before any engine sees it: query form, updates, SERVICE, size limits.

The text is parsed with the SPARQL 1.1 Query grammar (sparql11.lark), so a keyword counts exactly where
SPARQL reads one: never inside a string, IRI, comment, variable or prefixed name, and always after any
token, whatever whitespace or comment separates them. A hand-written lexer here was bypassed twice
(a comment ended by a carriage return; a language tag followed by '.').

The grammar alone is not enough: Oxigraph's parser (a PEG) re-reads text when a token fails a check, so
tokens it would split differently from SPARQL are refused too: a prefixed name with an unknown prefix or
an invalid IRI (it backtracks to 'prefix:' and reads the rest as new tokens), a local name with dots in
two places (it ends the name at the second) and a \\u escape that is no Unicode character (a long string
that fails is re-read as shorter ones). tests/test_guard_differential.py holds the guard to the engine.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import LexerState, LexerThread, LineCounter
from lark.parsers.lalr_interactive_parser import InteractiveParser
from lark.parsers.lalr_parser_state import ParserState
from pyoxigraph import NamedNode

from kg.namespaces import PREFIXES

MAX_DEPTH = 64
MAX_VARIABLE_USES = 1000  # a bound on joins: thousands of triple patterns stall planners and can crash servers
MAX_TOKENS = 10_000  # bounds the guard's own time (pure Python, ~25 µs a token) on adversarial texts
PROLOGUES_KEPT = 32  # parser states remembered at the end of a prologue (see _Prologue)
PROLOGUE_MAX_CHARS = 8192
PROLOGUE_MIN_CHARS = 200  # shorter prologues are read faster than a remembered state is looked up and copied

_FORMS = {"select_query": "SELECT", "construct_query": "CONSTRUCT", "describe_query": "DESCRIBE", "ask_query": "ASK"}
_FORM_KEYWORDS = set(_FORMS.values())
_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_PROLOGUE = {"BASE", "PREFIX", "PNAME_NS", "IRIREF"}
_OPEN, _CLOSE = {"LPAR", "LBRACE", "LSQB"}, {"RPAR", "RBRACE", "RSQB"}
_QUOTED = {"STRING_LITERAL1", "STRING_LITERAL2", "STRING_LITERAL_LONG1", "STRING_LITERAL_LONG2", "IRIREF"}
_ESCAPES = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|.)", re.S)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


class Refused(ValueError):
    """A request the endpoint will not run; carries the HTTP status and a message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Classified:
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """Built on first use (about half a second), not at import."""
    grammar = (Path(__file__).parent / "sparql11.lark").read_text(encoding="utf-8")
    # re.ASCII: keywords fold case as the engine does (ASCII only), so 'ſERVICE' is no SERVICE
    return Lark(grammar, parser="lalr", lexer="contextual", start=["query_unit", "update_head"],
                g_regex_flags=re.ASCII, maybe_placeholders=False)


def warm(queries: list[str] = ()) -> None:
    """Build the parser now (at start-up) rather than on the first query, and run the given queries through
    the guard once, so the lexer states they reach are compiled before a client needs them: Lark compiles each
    state's scanner on first use, and SPARQL's Unicode name classes make that ~30 ms a state (the worked
    examples reach 43 of 186; building all takes ~3 s of start-up)."""
    _parser()
    classify("ASK {}")
    for text in queries:
        try:
            _classify(text)
        except Refused:
            pass


def classify(text: str) -> Classified:
    """The query form; raises Refused for updates, SERVICE, limits and anything that is not a query.
    Verdicts on short texts are remembered (clients repeat their queries; refusals are not cached)."""
    return _classify_remembered(text) if len(text) <= 8192 else _classify(text)


@lru_cache(maxsize=256)
def _classify_remembered(text: str) -> Classified:
    return _classify(text)


def _classify(text: str) -> Classified:
    tree, prefixes = _parse(text)
    _check_tree(tree, prefixes)
    query = tree.children[0]
    return Classified(next(_FORMS[c.data] for c in query.children if isinstance(c, Tree) and c.data in _FORMS))


_WATCHED = frozenset({"service_graph_pattern", "function_call", "iri_or_function"})


def _check_tree(tree: Tree, prefixes: dict[str, str]) -> None:
    """One walk over the tree (iterative: trees can be thousands of nodes deep): SERVICE anywhere is refused
    first, else the first call of a function that is not SPARQL's own."""
    stack, refused = [tree], None
    while stack:
        node = stack.pop()
        kind = node.data
        if kind in _WATCHED:  # a set: node.data is a Token, whose == is slow Python
            if kind == "service_graph_pattern":
                raise Refused(400, "federated queries (SERVICE) are not allowed on this endpoint: "
                                   "it never makes outbound requests")
            if refused is None and (kind == "function_call" or len(node.children) == 2):
                refused = _refused_function(node, prefixes)
        stack += [c for c in node.children if type(c) is Tree]
    if refused is not None:
        raise refused


def _parse(text: str) -> tuple[Tree, dict[str, str]]:
    """Parse as a QueryUnit, checking each token as it comes: bracket depth and variable uses (so a deep
    or huge text is refused before the parser stack or the tree grows with it) and the tokens Oxigraph
    would read differently."""
    interactive = _parser().parse_interactive(text, start="query_unit")
    depth = variables = 0
    started, last = False, None
    prefixes, declaring = dict(PREFIXES), None  # declaring: True after PREFIX, then the prefix's name
    resumed = _resume(interactive, text)
    if resumed is not None:
        prefixes, last = dict(resumed.prefixes), resumed.last_token
    first = resumed.count if resumed is not None else 0
    try:
        for count, token in enumerate(interactive.iter_parse(), start=first):
            if (not started and declaring is None and token.type not in _PROLOGUE and last is not None
                    and last.type == "IRIREF" and (resumed is None or last.end_pos > resumed.end)):
                _remember(text, interactive.parser_state, last, prefixes, count)
            last = token
            if count >= MAX_TOKENS:
                raise Refused(400, f"the query has more than {MAX_TOKENS} tokens; at most {MAX_TOKENS} are allowed")
            if token.type in _QUOTED:
                _check_escapes(token)
            if token.type == "PREFIX":
                declaring = True
            elif declaring is True and token.type == "PNAME_NS":
                declaring = token.value[:-1]
            elif isinstance(declaring, str) and token.type == "IRIREF":
                prefixes[declaring], declaring = _prefix_iri(token, declaring), None
            elif token.type in ("PNAME_LN", "PNAME_NS"):
                _check_prefixed_name(token, prefixes)
            elif token.type in _OPEN:
                depth += 1
                if depth > MAX_DEPTH:
                    raise Refused(400, f"the query nests brackets more than {MAX_DEPTH} levels deep "
                                       f"(at {token.line}:{token.column}); at most {MAX_DEPTH} are allowed")
            elif token.type in _CLOSE:
                depth -= 1
            elif token.type in ("VAR1", "VAR2"):
                variables += 1
                if variables > MAX_VARIABLE_USES:
                    raise Refused(400, f"the query uses variables more than {MAX_VARIABLE_USES} times; "
                                       f"at most {MAX_VARIABLE_USES} are allowed")
            elif token.type in _FORM_KEYWORDS:
                started = True
        return interactive.feed_eof(last), prefixes
    except UnexpectedInput as error:
        keyword = None if started else _update_keyword(text)
        if keyword:
            raise Refused(403, f"SPARQL Update ({keyword}) is not allowed: this endpoint is read-only") from None
        raise Refused(400, _syntax_message(text, error, started, _expected(interactive, error))) from None


@dataclass(frozen=True)
class _Prologue:
    """The parser, lexer and guard state at the end of a prologue (the last PREFIX or BASE IRI), so that a text
    starting with exactly that prologue resumes there instead of re-reading ~80 tokens: the project's 26
    prefixes are more than half of a worked example's tokens. Sound because lexing and parsing are a function
    of the text read so far: the same characters give the same tokens, the same parser stack and the same
    declared prefixes, and the token that ends there is an IRI, closed by its own '>'. The checks on the
    prologue's tokens (escapes, absolute prefix IRIs) passed when it was remembered; nothing else can fail in a
    prologue. tests/test_guard_differential.py compares resumed and fresh verdicts on every generated text."""

    key: str  # text[:end]
    end: int
    parser_state: ParserState  # after the prologue's last token was fed; copied (_copy_state) on every use
    last_token: Token
    prefixes: dict[str, str]
    count: int  # tokens read before the next one


_prologues: OrderedDict[str, _Prologue] = OrderedDict()
_prologues_lock = threading.Lock()
_resuming = True  # tests switch this off to compare resumed verdicts with fresh ones


def _resume(interactive: InteractiveParser, text: str) -> _Prologue | None:
    """Move the interactive parser to the end of the longest remembered prologue the text starts with."""
    if not _resuming:
        return None
    with _prologues_lock:
        found = max((p for p in _prologues.values() if text.startswith(p.key)), key=lambda p: p.end, default=None)
        if found is not None:
            _prologues.move_to_end(found.key)
    if found is None:
        return None
    interactive.parser_state = _copy_state(found.parser_state, interactive.lexer_thread)
    lines = LineCounter("\n")
    token = found.last_token
    lines.char_pos, lines.line, lines.column = token.end_pos, token.end_line, token.end_column
    lines.line_start_pos = token.end_pos - token.end_column + 1
    interactive.lexer_thread.state = LexerState(interactive.lexer_thread.state.text, lines, token)
    return found


def _copy_state(state: ParserState, lexer_thread: LexerThread | None) -> ParserState:
    """A parser state no later parse can change. Lark's tree builder only ever changes the child lists of the
    values it pops from the stack (it appends to a left-recursive rule's list), so those lists are copied;
    everything below them is finished and shared (a deep copy cost ~0.3 ms a query)."""
    values = [Tree(v.data, list(v.children)) if isinstance(v, Tree) else v for v in state.value_stack]
    return type(state)(state.parse_conf, lexer_thread, list(state.state_stack), values)


def _remember(text: str, state: ParserState, last: Token, prefixes: dict[str, str], count: int) -> None:
    if not _resuming or not PROLOGUE_MIN_CHARS <= last.end_pos <= PROLOGUE_MAX_CHARS:
        return
    key = text[:last.end_pos]
    with _prologues_lock:
        if key in _prologues:
            return
        _prologues[key] = _Prologue(key, last.end_pos, _copy_state(state, None), last, dict(prefixes), count)
        while len(_prologues) > PROLOGUES_KEPT:
            _prologues.popitem(last=False)


def _refused_function(node: Tree, prefixes: dict[str, str]) -> Refused | None:
    """Only SPARQL's own functions and the XSD casts may be called. An engine's extension functions are
    IRIs too, and some reach beyond the dataset (Virtuoso's <bif:http_get> fetches a URL from the store
    itself), so any other IRI in function position is refused, whatever the engine."""
    token = next(node.children[0].scan_values(lambda v: isinstance(v, Token)))
    if token.type == "IRIREF":
        iri = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.value[1:-1])
    else:
        prefix, _, local = token.value.partition(":")
        iri = prefixes.get(prefix, "") + local.replace("\\", "")
    if iri.startswith(_XSD):
        return None
    shown = iri if len(iri) <= 60 else iri[:60] + "…"
    return Refused(400, f"the function <{shown}> is not allowed on this endpoint: only SPARQL's "
                        "built-in functions and the XSD casts (such as xsd:integer(?x)) are; a store's "
                        "extension functions can reach beyond the dataset")


def _syntax_error(token: Token, reason: str) -> Refused:
    return Refused(400, f"not a SPARQL query: syntax error at {token.line}:{token.column}: {reason}")


def _check_escapes(token: Token) -> None:
    """Every \\u escape in a string or IRI must be a Unicode character: where one is not, Oxigraph drops
    the token and re-reads the text ('\"\"\"x\" … \\uD800\"\"\"' becomes '\"\"', '\"x\"' and live text)."""
    for match in _ESCAPES.finditer(token.value):
        digits = match.group(1) or match.group(2)
        if digits and (0xD800 <= int(digits, 16) <= 0xDFFF or int(digits, 16) > 0x10FFFF):
            raise _syntax_error(token, f"the escape {match.group(0)} is not a Unicode character")


def _prefix_iri(token: Token, name: str) -> str:
    """The IRI of PREFIX name: <…>. Relative ones (resolved against BASE) are refused, so that the IRI of
    every prefixed name is known exactly."""
    iri = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.value[1:-1])
    if not _SCHEME.match(iri):
        raise _syntax_error(token, f"PREFIX {name}: needs an absolute IRI on this endpoint")
    return iri


def _check_prefixed_name(token: Token, prefixes: dict[str, str]) -> None:
    """A prefixed name Oxigraph reads as one token, as SPARQL does: a known prefix, dots in one place at
    most (it ends the name at a second run of dots) and a valid IRI (else it reads 'prefix:' alone)."""
    prefix, _, local = token.value.partition(":")
    shown = token.value[:40]
    if prefix not in prefixes:
        raise _syntax_error(token, f"unknown prefix '{prefix}:' (declare it with PREFIX)")
    if len(re.findall(r"\.+", re.sub(r"\\.", "_", local))) > 1:
        raise _syntax_error(token, f"the name '{shown}' has dots in two places, which Oxigraph reads as two "
                                   "tokens (escape them as \\.)")
    try:
        NamedNode(prefixes[prefix] + local.replace("\\", ""))  # the check Oxigraph makes, with its IRI parser
    except ValueError:
        raise _syntax_error(token, f"'{shown}' does not expand to a valid IRI") from None


def _update_keyword(text: str) -> str | None:
    """The first keyword after the prologue if it starts a SPARQL Update (INSERT, DELETE, LOAD, …),
    read by the same lexer as queries."""
    try:
        for token in _parser().parse_interactive(text, start="update_head").iter_parse():
            if token.type not in _PROLOGUE:
                return token.type if token.type in _UPDATE_KEYWORDS else None
    except UnexpectedInput:
        pass
    return None


def _expected(interactive: InteractiveParser, error: UnexpectedInput) -> set[str]:
    """What the parser could take at the error (exact, unlike the LALR state's merged lookaheads)."""
    try:
        return set(interactive.accepts())
    except Exception:  # the parser state can be unusable after an error; fall back to Lark's guess
        return set(getattr(error, "expected", None) or getattr(error, "allowed", None) or ())


def _syntax_message(text: str, error: UnexpectedInput, started: bool, expected_terminals: set[str]) -> str:
    """The parser's complaint with line:column, short; quotes at most 30 characters of the query."""
    if isinstance(error, UnexpectedEOF) or isinstance(error, UnexpectedToken) and error.token.type == "$END":
        where, found = f"{text.count(chr(10)) + 1}:{len(text) - text.rfind(chr(10))}", "end of query"
    elif isinstance(error, UnexpectedCharacters):
        where, found = f"{error.line}:{error.column}", repr(text[error.pos_in_stream:error.pos_in_stream + 12])
        if re.match(r"\\[uU]", text[error.pos_in_stream:]):
            return (f"not a SPARQL query: syntax error at {where}: a codepoint escape (\\uXXXX) outside a string "
                    "or IRI; this endpoint reads them only inside strings and IRIs, as Oxigraph does")
    else:
        where, found = f"{error.line}:{error.column}", repr(str(error.token)[:30])
    if not started:
        return (f"not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE "
                f"(syntax error at {where}: unexpected {found})")
    expected = sorted({"end of query" if name == "$END" else _readable(name) for name in expected_terminals})
    hint = f"; expected {', '.join(expected[:8])}{', …' if len(expected) > 8 else ''}" if expected else ""
    return f"not a SPARQL query: syntax error at {where}: unexpected {found}{hint}"


def _readable(terminal: str) -> str:
    """'SELECT' for a keyword, '{' for punctuation, the name (IRIREF, VAR1) for the rest."""
    try:
        pattern = _parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal
    if pattern.type != "str":
        return terminal
    return pattern.value.upper() if pattern.value.isalpha() and pattern.value != "a" else pattern.value
