"""Layout hints (photo captions and credits, truncation markers, lines broken mid-sentence,
passages printed twice) and the article's running text with captions taken out.

The running text (`flow`) is what the chain detector reads: a newspaper page prints photo
captions inside the text column, so a sentence can stop in the middle of a word, give way to a
caption and go on after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import Found

CAPTION_START = re.compile(r"^[▲◀▶▼△►◄]")
CAPTION_END = re.compile(r"(供图|摄|图为[^。]*)$")
PERSON_IN_PHOTO = re.compile(r"[(（][左右中前后][一二三四五]?[)）]")
# a credit after the last sentence of a paragraph: 兰州市委组织部供图 / (图片由金昌市委组织部提供) / (张三 摄)
CREDIT = re.compile(r"(?<=[。！？])[（(]?(?:图片由[^。！？()（）]{2,24}提供|[^。！？()（）]{2,20}(?:供图|摄))[)）]?$")
# a paragraph of one short sentence, no comma, that opens with a city (甘肃省酒泉市城区景观风貌鸟瞰。)
PLACE_SENTENCE = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}(?:省|自治区))?[\u4e00-\u9fff]{2,4}(?:市|州|盟)[^，,、。；;：:！？]{2,40}。$")
SENTENCE_FINAL = "。！？；：”」』）)!?;:"
TRUNCATION = re.compile(r"[（(][上下][转接][^）)]*[）)]")
BLOCK_LINE = 16  # the lines of a caption set in a narrow column beside a photo are this short


def lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The non-blank lines of the range, stripped, as source spans."""
    spans, at = [], start
    for line in text[start:end].split("\n"):
        if line.strip():
            s = at + len(line) - len(line.lstrip())
            spans.append((s, s + len(line.strip())))
        at += len(line) + 1
    return spans


def _ends_sentence(line: str) -> bool:
    return line[-1] in SENTENCE_FINAL or bool(TRUNCATION.search(line))


def caption_blocks(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[first, last) line indices of every photo caption: a line marked ▲ / (左一) / 供图, a
    standalone one-sentence paragraph that opens with a place, or a column of short lines (set
    beside the photo) that ends in a credit."""
    blocks: list[tuple[int, int]] = []
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        marked = CAPTION_START.match(line) or (len(line) < 80 and (CAPTION_END.search(line) or PERSON_IN_PHOTO.search(line)))
        if not marked and PLACE_SENTENCE.match(line) and _standalone(text, spans, i):
            marked = True
        if not marked:
            continue
        first = i
        if len(line) <= BLOCK_LINE and CAPTION_END.search(line):  # a credit closing a column of short lines
            while first > 0 and _adjacent(text, spans[first - 1], spans[first]) \
                    and spans[first - 1][1] - spans[first - 1][0] <= BLOCK_LINE:
                first -= 1
        blocks.append((first, i + 1))
    return blocks


def _adjacent(text: str, above: tuple[int, int], below: tuple[int, int]) -> bool:
    """Lines separated by a single line break (no blank line): one paragraph."""
    return text.count("\n", above[1], below[0]) == 1


def _standalone(text: str, spans: list[tuple[int, int]], i: int) -> bool:
    """A paragraph of its own whose predecessor ended its sentence (not a wrapped continuation)."""
    if i == 0:
        return True
    prev = spans[i - 1]
    return not _adjacent(text, prev, spans[i]) and _ends_sentence(text[prev[0]:prev[1]])


def _wraps(line: str) -> bool:
    """A long line of running text that stops mid-sentence (headings are short or spaced)."""
    return len(line) >= 30 and not _ends_sentence(line) and not re.search(r"[ \u3000]", line)


@dataclass(frozen=True)
class Flow:
    """The range as running text: `text[i]` was printed at source offset `index[i]` (-1: a line
    break kept between paragraphs)."""

    text: str
    index: tuple[int, ...]

    def pieces(self, a: int, b: int) -> tuple[tuple[int, int], ...]:
        """The source spans of flow characters [a, b): one per stretch printed without a break."""
        runs: list[list[int]] = []
        for k in range(a, b):
            o = self.index[k]
            if o < 0:
                continue
            if runs and o == runs[-1][1]:
                runs[-1][1] = o + 1
            else:
                runs.append([o, o + 1])
        return tuple((s, e) for s, e in runs)


def flow(text: str, start: int, end: int) -> Flow:
    """Captions dropped; a line that stops mid-sentence (a long one, or any but a short heading
    when a caption follows it) joined to the next line of text."""
    spans = lines(text, start, end)
    dropped = {k for a, b in caption_blocks(text, spans) for k in range(a, b)}
    out: list[str] = []
    index: list[int] = []
    prev, skipped = "", False
    for k, (s, e) in enumerate(spans):
        if k in dropped:
            skipped = True
            continue
        cut = skipped and len(prev) >= 12 and not _ends_sentence(prev) and not re.search(r"[ \u3000]", prev)
        if prev and not (_wraps(prev) or cut):
            out.append("\n")
            index.append(-1)
        out.append(text[s:e])
        index.extend(range(s, e))
        prev, skipped = text[s:e], False
    return Flow("".join(out), tuple(index))


def find_layout(text: str, start: int, end: int) -> list[Found]:
    """Photo captions, mid-sentence line breaks, truncation markers and passages printed twice."""
    found: list[Found] = []
    spans = lines(text, start, end)
    captions = caption_blocks(text, spans)
    in_caption = {k for a, b in captions for k in range(a, b)}
    for a, b in captions:
        s, e = spans[a][0], spans[b - 1][1]
        found.append(Found("layout", s, e, text[s:e].replace("\n", "")[:60], "PhotoCaption"))
    for i, (s, e) in enumerate(spans):
        if i in in_caption:
            continue
        line = text[s:e]
        m = TRUNCATION.search(line)
        if m:
            found.append(Found("layout", s + m.start(), s + m.end(), m.group(0), "TruncatedArticle"))
        credit = CREDIT.search(line)
        if credit:
            found.append(Found("layout", s + credit.start(), e, credit.group(0), "PhotoCaption"))
        elif i > 0 and _wraps(line):
            found.append(Found("layout", max(s, e - 20), e, line[-20:], "Fragment"))
    found += _duplicates(text, spans)
    return sorted(found, key=lambda f: f.start)


# punctuation and spacing a page may print differently in the two copies of a passage
VARIANTS = re.compile(r"[\s\u3000，,。．.；;：:！!？?、“”‘’\"'（）()《》〈〉【】—－\-·…]")
REPEAT = 8  # characters (punctuation aside) a line or sentence needs before its repeat counts


def _duplicates(text: str, spans: list[tuple[int, int]]) -> list[Found]:
    """Runs of lines printed again elsewhere in the file, punctuation and spacing aside (a
    heading printed once with 。 and once with a space). A line counts when it repeats whole or
    when most of it is sentences (or pairs of short sentences) that repeat; a run-in heading
    repeated inside a longer paragraph is flagged alone."""
    plain = VARIANTS.sub("", text)
    found: list[Found] = []
    run: tuple[int, int] | None = None

    def again(piece: str, least: int) -> bool:
        key = VARIANTS.sub("", piece)
        return len(key) >= least and plain.count(key) > 1

    def close() -> None:
        nonlocal run
        if run:
            found.append(Found("layout", run[0], run[1], text[run[0]:run[1]][:40], "DuplicatedPassage"))
        run = None

    for s, e in spans:
        line = text[s:e]
        if again(line, REPEAT):
            run = (run[0], e) if run else (s, e)
            continue
        repeated = [(a, b) for a, b in _sentences(line) if again(line[a:b], REPEAT)]
        if sum(b - a for a, b in repeated) * 2 >= len(line):
            run = (run[0], e) if run else (s, e)
            continue
        close()
        if repeated:
            a, b = repeated[0][0], max(b for _, b in repeated)
            found.append(Found("layout", s + a, s + b, line[a:b][:40], "DuplicatedPassage"))
    close()
    return found


def _sentences(line: str) -> list[tuple[int, int]]:
    """Sentences of a line (12 characters or more) and pairs of adjacent short ones, as spans."""
    cuts = [0] + [m.end() for m in re.finditer(r"[。；！？]", line)]
    if cuts[-1] < len(line):
        cuts.append(len(line))
    parts = list(zip(cuts, cuts[1:]))
    out = [(a, b) for a, b in parts if b - a >= 12]
    out += [(a, c) for (a, b), (_, c) in zip(parts, parts[1:]) if b - a < 12 or c - b < 12]
    return out
