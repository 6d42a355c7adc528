"""The review page: one self-contained HTML file (style and script inline, no network).

It is opened from disk (file://) next to the draft, so it needs no server and no asset paths
and works offline; the app's CSP does not apply to it because the app never serves it. The
article is shown with every candidate span highlighted; each item offers accept / change
(another ranked concept, or any concept of the scheme) / reject, and the page writes the final
Turtle file from those choices (same rules as draft.final_text), ready for `kg fmt`.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict

from .draft import concept_english
from .knowledge import concepts, iri_local
from .proposal import Proposal

KIND_LABEL = {"adoption": "做法 adoption", "figure": "数字 figure", "document": "文件 document",
              "chain": "层级 tier chain", "subplace": "地点 sub-place", "layout": "版面 layout"}

STYLE = """
body{font:15px/1.6 system-ui,"Noto Sans CJK SC",sans-serif;margin:0;color:#1d1d1f}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.5rem 1rem;z-index:2}
header h1{font-size:1.1rem;margin:0 0 .3rem}
header button{margin:.1rem .3rem .1rem 0}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem;padding:1rem}
@media (max-width:800px){main{grid-template-columns:minmax(0,1fr)}header{position:static}}
#article{white-space:pre-wrap;overflow-wrap:anywhere;border:1px solid #ddd;padding:.75rem;max-height:80vh;overflow:auto}
.seg{cursor:pointer;border-bottom:2px solid}
.k-adoption{background:#fff3c4;border-color:#d9a400}.k-figure{background:#d8f0ff;border-color:#2b8ccf}
.k-document{background:#e9ddff;border-color:#7d4dd6}.k-chain{background:#dff5df;border-color:#3a9a3a}
.k-subplace{background:#ffe0e6;border-color:#d14a6a}.k-layout{background:#eee;border-color:#777}
.seg.rejected{background:none;border-bottom-style:dotted}
.seg.active{outline:2px solid #000}
#items{max-height:80vh;overflow:auto}
.item{border:1px solid #ddd;border-left:6px solid #999;padding:.4rem .6rem;margin:0 0 .5rem}
.item.rejected{opacity:.55}
.item.active{box-shadow:0 0 0 2px #000}
.item .why{color:#555;font-size:.85rem}
.item select{max-width:100%}
textarea{width:100%;height:18rem;font:12px/1.4 monospace;box-sizing:border-box}
"""

SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById('proposal-data').textContent);
  const english = data.english;
  const state = {};
  for (const item of data.items) {
    state[item.id] = {keep: item.default, choice: item.preferred};
  }
  function block(item) {
    const s = state[item.id];
    if (item.kind !== 'adoption') return item.block;
    return item.block.split('{choice}').join(s.choice).split('{gloss}').join(english[s.choice] || 'to be glossed');
  }
  function finalText() {
    const seen = new Set();
    const blocks = [];
    for (const item of data.items) {
      const s = state[item.id];
      if (!s.keep) continue;
      if (item.kind === 'adoption') {
        if (!s.choice) continue;
        const key = s.choice + '\u0000' + item.text.replace(/^[。；，,;]+|[。；，,;]+$/g, '');
        if (seen.has(key)) continue;
        seen.add(key);
      }
      blocks.push(block(item));
    }
    return blocks.length ? data.header + '\n' + blocks.join('\n') : '';
  }
  function refresh() {
    document.getElementById('final').value = finalText();
    let kept = 0;
    for (const item of data.items) {
      const s = state[item.id];
      const card = document.getElementById('item-' + item.id);
      card.classList.toggle('rejected', !s.keep);
      card.querySelector('input.keep').checked = s.keep;
      if (s.keep) kept++;
    }
    for (const seg of document.querySelectorAll('.seg')) {
      const ids = seg.dataset.items.split(' ');
      seg.classList.toggle('rejected', ids.every(id => !state[id].keep));
    }
    document.getElementById('kept').textContent = kept + ' / ' + data.items.length;
  }
  function select(id) {
    for (const el of document.querySelectorAll('.active')) el.classList.remove('active');
    const card = document.getElementById('item-' + id);
    card.classList.add('active');
    card.scrollIntoView({block: 'nearest'});
    for (const seg of document.querySelectorAll('.seg')) {
      if (seg.dataset.items.split(' ').includes(id)) seg.classList.add('active');
    }
  }
  document.getElementById('article').addEventListener('click', ev => {
    const seg = ev.target.closest('.seg');
    if (seg) select(seg.dataset.items.split(' ')[0]);
  });
  for (const item of data.items) {
    const card = document.getElementById('item-' + item.id);
    card.querySelector('input.keep').addEventListener('change', ev => { state[item.id].keep = ev.target.checked; refresh(); });
    card.querySelector('button.accept').addEventListener('click', () => { state[item.id].keep = true; refresh(); });
    card.querySelector('button.reject').addEventListener('click', () => { state[item.id].keep = false; refresh(); });
    const sel = card.querySelector('select');
    if (sel) sel.addEventListener('change', ev => {
      state[item.id].choice = ev.target.value;
      state[item.id].keep = !!ev.target.value;
      refresh();
    });
    card.querySelector('.span').addEventListener('click', () => select(item.id));
  }
  document.getElementById('accept-all').addEventListener('click', () => {
    for (const item of data.items) {
      state[item.id].keep = item.default;
      state[item.id].choice = item.preferred;
      const sel = document.querySelector('#item-' + item.id + ' select');
      if (sel) sel.value = item.preferred;
    }
    refresh();
  });
  document.getElementById('reject-all').addEventListener('click', () => {
    for (const item of data.items) state[item.id].keep = false;
    refresh();
  });
  document.getElementById('download').addEventListener('click', () => {
    const blob = new Blob([finalText()], {type: 'text/turtle'});
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = data.locality + '.ttl';
    a.click();
  });
  refresh();
})();
"""


def _segments(text: str, start: int, items) -> str:
    """The article as HTML: each run of characters covered by the same items is one span."""
    bounds = {start, start + len(text)}
    spans = {i.id: [tuple(p) for p in i.pieces] or [(i.start, i.end)] for i in items}  # a chain printed in pieces
    for item in items:
        for s, e in spans[item.id]:
            bounds |= {max(start, s), min(start + len(text), e)}
    cuts = sorted(bounds)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a - start:b - start])
        covering = sorted((i for i in items if any(s <= a and b <= e for s, e in spans[i.id])),
                          key=lambda i: i.end - i.start)
        if covering:
            ids = " ".join(i.id for i in covering)
            out.append(f'<span class="seg k-{covering[0].kind}" data-items="{ids}" title="{html.escape(covering[0].reason)}">{piece}</span>')
        else:
            out.append(piece)
    return "".join(out)


def _card(item, all_concepts: list[tuple[str, str]]) -> str:
    e = html.escape
    parts = [f'<div class="item" id="item-{item.id}" style="border-left-color:var(--{item.kind},#999)">',
             f'<label><input type="checkbox" class="keep"> <b>{e(KIND_LABEL[item.kind])}</b></label> ',
             f'<a href="javascript:void 0" class="span">{e(item.text[:80])}</a> ',
             f'<span class="why">[{item.start}, {item.end}) · {e(item.reason)}</span><br>']
    if item.kind == "adoption":
        options = ['<option value="">— 新概念? new concept? (left out) —</option>']
        ranked = {c["concept"] for c in item.choices}
        for n, c in enumerate(item.choices, 1):
            selected = " selected" if c["concept"] == item.preferred else ""
            options.append(f'<option value="{e(c["concept"])}"{selected}>{n}. {e(c["label"])} · {c["score"]:.2f} · {e(c["reason"])}</option>')
        options.append('<optgroup label="其他概念 other concepts">')
        options += [f'<option value="{e(cid)}">{e(label)}</option>' for cid, label in all_concepts if cid not in ranked]
        options.append("</optgroup>")
        parts.append(f'<select aria-label="concept">{"".join(options)}</select><br>')
    elif item.choices:
        parts.append(f'<span class="why">{e(item.choices[0]["label"])}</span><br>')
    parts.append('<button type="button" class="accept">接受 accept</button> '
                 '<button type="button" class="reject">拒绝 reject</button></div>')
    return "".join(parts)


def review_html(proposal: Proposal) -> str:
    """The whole review page for one proposal."""
    text = proposal.seed.text[proposal.start:proposal.end]
    all_concepts = sorted((iri_local(c.iri), f"{c.label_zh} / {c.label_en}") for c in concepts())
    data = {"locality": proposal.locality, "header": proposal.header, "english": concept_english(),
            "items": [asdict(i) for i in proposal.items]}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    counts = {}
    for item in proposal.items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    summary = " · ".join(f"{KIND_LABEL[k]} {n}" for k, n in counts.items())
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>审核 Review: {e(proposal.locality)}</title><style>{STYLE}</style></head>
<body>
<header><h1>审核草稿 Review draft: {e(proposal.locality)} — {e(proposal.seed.identifier)} [{proposal.start}, {proposal.end})</h1>
<div>{e(summary)} · 保留 kept <span id="kept"></span></div>
<button type="button" id="accept-all">全部按建议接受 accept all as proposed</button>
<button type="button" id="reject-all">全部拒绝 reject all</button>
<button type="button" id="download">下载最终文件 download final file</button></header>
<main><section><h2>原文 Article</h2><div id="article">{_segments(text, proposal.start, proposal.items)}</div></section>
<section><h2>候选 Candidates</h2><div id="items">{"".join(_card(i, all_concepts) for i in proposal.items)}</div>
<h2>最终文件 Final file (<code>kg fmt</code>, then <code>kg validate</code>)</h2>
<textarea id="final" readonly aria-label="final Turtle"></textarea></section></main>
<script type="application/json" id="proposal-data">{payload}</script>
<script>{SCRIPT}</script>
</body></html>
"""
