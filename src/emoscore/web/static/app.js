// emoscore page: upload or record, follow the job, draw the results with inline SVG.
// No libraries and nothing fetched from outside this server.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const POLL_MS = 400;
const MAX_POLL_ERRORS = 8;
const COLOURS = {
  neutral: "#9aa3ad", calm: "#38a3a5", happy: "#f2b705", happiness: "#f2b705", sad: "#3b6fd1",
  sadness: "#3b6fd1", angry: "#d64545", anger: "#d64545", danger: "#d64545", fearful: "#8e5cc4",
  fear: "#8e5cc4", disgust: "#6b8e23", surprised: "#f08a3c", surprise: "#f08a3c", boredom: "#b08968",
};
const QUALITY_FILL = { major: "#fff3bf", minor: "#dbe4ff", perfect: "#e6fcf5", tritone: "#ffe3e3" };
const METHOD_COLOUR = { A: "#3b5bdb", B: "#e8590c" };
const DOMAIN_COLOUR = { speech: "#1098ad", music: "#9c36b5", other: "#868e96", silence: "#dee2e6" };
const DOMAIN_ORDER = ["speech", "music", "other", "silence"];
// the music emotion quadrants of the valence/arousal plane
const QUADRANT_SIGNS = { Q1: "+V +A", Q2: "\u2212V +A", Q3: "\u2212V \u2212A", Q4: "+V \u2212A" };
const NO_EMOTION_FILL = "#ced4da";

const $ = (id) => document.getElementById(id);
const state = {
  file: null, current: null, selected: 0, maps: null, polling: null, historyOffset: 0,
  composing: false, recorder: null, composition: null, sketch: null,
};

function colour(label) {
  if (!label) return NO_EMOTION_FILL;
  if (COLOURS[label]) return COLOURS[label];
  let h = 0;
  for (const c of label) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h}, 55%, 55%)`;
}

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function html(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function fmtNum(x) { return x === null || x === undefined ? "\u2013" : x.toFixed(2); }

// the most probable quadrant of a music window, or null
function topQuadrant(s) {
  const q = Object.entries(s.quadrant || {});
  if (!q.length) return null;
  q.sort((a, b) => b[1] - a[1]);
  return { name: q[0][0], p: q[0][1] };
}

function hasDomains(r) { return r.segments.some((s) => s.domain); }

function domainText(s) {
  if (!s.domain) return "";
  const q = topQuadrant(s);
  return q ? `${s.domain} ${q.name}` : s.domain;
}

function fmtTime(s) {
  if (s === null || s === undefined) return "?";
  const m = Math.floor(s / 60);
  const r = s - 60 * m;
  return m ? `${m}:${r.toFixed(0).padStart(2, "0")}` : `${r.toFixed(1)} s`;
}

function showMessage(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = kind === "error" ? "message" : "message info";
  box.hidden = !text;
}

async function api(path, options = {}) {
  const resp = await fetch(path, options);
  let body = null;
  try { body = await resp.json(); } catch (e) { body = null; }
  if (!resp.ok) {
    const detail = body && body.detail ? body.detail : `${resp.status} ${resp.statusText}`;
    const err = new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    err.status = resp.status;
    throw err;
  }
  return body;
}

// ---- service status, models, maps ----------------------------------------------------------
async function checkHealth() {
  const box = $("health");
  try {
    const h = await api("/api/health");
    box.className = "health ok";
    $("health-text").textContent = `server ok · ${h.jobs_active} job${h.jobs_active === 1 ? "" : "s"} running`;
  } catch (e) {
    box.className = "health bad";
    $("health-text").textContent = "server unreachable";
  }
}

async function loadModels() {
  const sel = $("model");
  try {
    const m = await api("/api/models");
    clear(sel);
    for (const row of m.models) {
      const opt = html("option", { value: row.name }, `${row.name} (${row.labels.length} classes)`);
      opt.title = row.description || "";
      if (row.name === m.default) opt.selected = true;
      sel.appendChild(opt);
    }
    if (m.default_domain) $("domain").value = m.default_domain;
    if (!m.models.length) showMessage("This server has no emotion models installed.");
  } catch (e) {
    showMessage(`Could not list the models: ${e.message}`);
  }
}

async function loadMaps() {
  try { state.maps = await api("/api/maps"); } catch (e) { state.maps = null; }
}

// ---- choosing, recording and uploading ------------------------------------------------------
function choose(file) {
  state.file = file;
  $("chosen").textContent = file ? `${file.name} · ${(file.size / 1e6).toFixed(2)} MB` : "";
  $("analyse").disabled = !file;
  showMessage("");
}

function setupInput() {
  const drop = $("drop");
  $("pick").addEventListener("click", (e) => { e.stopPropagation(); $("file").click(); });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") $("file").click(); });
  $("file").addEventListener("change", () => choose($("file").files[0] || null));
  for (const ev of ["dragenter", "dragover"]) {
    drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const ev of ["dragleave", "drop"]) {
    drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.remove("over"); });
  }
  drop.addEventListener("drop", (e) => {
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f) choose(f);
  });
  $("window").addEventListener("input", () => { $("window-out").textContent = `${Number($("window").value).toFixed(1)} s`; });
  $("record").addEventListener("click", toggleRecording);
  $("analyse").addEventListener("click", upload);
}

async function toggleRecording() {
  const btn = $("record");
  if (state.recorder) { state.recorder.stop(); return; }
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    showMessage("This browser cannot record from a microphone here (it needs MediaRecorder and a secure page).");
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    showMessage(`No microphone: ${e.message}`);
    return;
  }
  const chunks = [];
  const rec = new MediaRecorder(stream);
  const started = Date.now();
  const timer = setInterval(() => { btn.textContent = `■ Stop (${((Date.now() - started) / 1000).toFixed(0)} s)`; }, 250);
  rec.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
  rec.onstop = () => {
    clearInterval(timer);
    stream.getTracks().forEach((t) => t.stop());
    state.recorder = null;
    btn.textContent = "● Record";
    btn.classList.remove("recording");
    const type = rec.mimeType || "audio/webm";
    const ext = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
    choose(new File(chunks, `recording.${ext}`, { type }));
  };
  rec.start(250);
  state.recorder = rec;
  btn.classList.add("recording");
  btn.textContent = "■ Stop";
}

function setProgress(fraction, text) {
  $("progress").hidden = false;
  $("progress-fill").style.width = `${Math.round(100 * Math.max(0, Math.min(1, fraction)))}%`;
  $("progress-text").textContent = text;
}

function upload() {
  if (!state.file) return;
  const form = new FormData();
  form.append("file", state.file, state.file.name);
  form.append("model", $("model").value);
  form.append("window", $("window").value);
  form.append("method", $("method").value);
  form.append("domain", $("domain").value);
  form.append("smooth", $("smooth").value);
  form.append("transcript", $("transcript").checked ? "true" : "false");
  $("analyse").disabled = true;
  showMessage("");
  setProgress(0, "uploading…");
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/analyses");
  xhr.responseType = "json";
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) setProgress(0.1 * e.loaded / e.total, `uploading… ${Math.round(100 * e.loaded / e.total)}%`);
  };
  xhr.onerror = () => { failUpload("The upload failed: the server could not be reached."); };
  xhr.onload = () => {
    const body = xhr.response || {};
    if (xhr.status !== 202) {
      failUpload(body.detail ? `Rejected: ${body.detail}` : `Rejected (HTTP ${xhr.status}).`);
      return;
    }
    refreshHistory();
    follow(body.id);
  };
  xhr.send(form);
}

function failUpload(text) {
  $("progress").hidden = true;
  $("analyse").disabled = !state.file;
  showMessage(text);
}

// ---- following a job ------------------------------------------------------------------------
function follow(id) {
  if (state.polling) clearTimeout(state.polling);
  let errors = 0;
  const tick = async () => {
    let job;
    try {
      job = await api(`/api/analyses/${id}`);
      errors = 0;
    } catch (e) {
      errors += 1;
      if (e.status === 404 || errors >= MAX_POLL_ERRORS) {
        $("progress").hidden = true;
        $("analyse").disabled = !state.file;
        showMessage(e.status === 404 ? "The analysis was deleted." : `Lost contact with the server: ${e.message}`);
        return;
      }
      state.polling = setTimeout(tick, POLL_MS * 2);
      return;
    }
    if (job.status === "queued") setProgress(0.1, "waiting for a worker…");
    else if (job.status === "running") setProgress(0.1 + 0.9 * job.progress, `analysing… ${Math.round(100 * job.progress)}%`);
    if (job.status === "done") {
      setProgress(1, "done");
      $("analyse").disabled = !state.file;
      refreshHistory();
      setTimeout(() => { $("progress").hidden = true; }, 600);
      await openResult(job);
      return;
    }
    if (job.status === "failed") {
      $("progress").hidden = true;
      $("analyse").disabled = !state.file;
      showMessage(`The analysis failed: ${job.error || "unknown error"}`);
      refreshHistory();
      return;
    }
    state.polling = setTimeout(tick, POLL_MS);
  };
  tick();
}

// ---- results --------------------------------------------------------------------------------
async function openResult(job) {
  state.current = job;
  state.selected = 0;
  state.composition = null;
  const r = job.result;
  $("results").hidden = false;
  $("result-title").textContent = job.filename;
  $("result-meta").textContent =
    `${fmtTime(r.duration)} · model ${r.model.name} ${r.model.version} · window ${r.window} s · hop ${r.hop} s · ${r.segments.length} windows` +
    (r.domain_mode ? ` · sound type ${r.domain_mode}` : "");
  $("result-meta").title = r.models ? Object.entries(r.models).map(([k, v]) => `${k}: ${v}`).join("\n") : "";
  let peaks = [];
  try { peaks = (await api(`/api/analyses/${job.id}/waveform`)).peaks; } catch (e) { peaks = []; }
  state.peaks = peaks;
  drawDomains();
  drawTimeline();
  drawWords();
  drawLegend();
  selectWindow(0);
  markHistory();
  clear($("players"));
  clear($("intervals"));
  clear($("sequences"));
  clear($("cues"));
  clear($("sketch-players"));
  clear($("sketch-downloads"));
  state.sketch = null;
  $("compare-label").textContent = "";
  drawDownloads();
  const wanted = (job.options && job.options.method) || "both";
  const existing = (job.compositions || []).filter((c) => c.method === wanted || c.method === "both");
  if (existing.length) showComposition(existing[existing.length - 1]);
  else await compose(job.id, wanted);
  // the score sketch is a composition of its own (its intervals from the one method, or A)
  const sketches = (job.compositions || []).filter((c) => c.method === "sketch");
  if (sketches.length) showSketch(sketches[sketches.length - 1]);
  else composeSketch(job.id, wanted);  // not awaited: the page is usable while it renders
}

function drawLegend() {
  const legend = $("legend");
  clear(legend);
  for (const lab of state.current.result.model.labels) {
    const item = html("span");
    const chip = html("span", { class: "chip" });
    chip.style.background = colour(lab);
    item.appendChild(chip);
    item.appendChild(document.createTextNode(lab));
    legend.appendChild(item);
  }
}

// speech / music / other per window, above the timeline; music windows show their top quadrant
function drawDomains() {
  const r = state.current.result;
  const row = $("domain-row"), band = $("domains"), legend = $("domain-legend");
  clear(band);
  clear(legend);
  row.hidden = !hasDomains(r);
  if (row.hidden) return;
  const dur = Math.max(r.duration, 1e-6);
  const pct = (t) => `${(100 * t) / dur}%`;
  r.segments.forEach((s, i) => {
    const q = topQuadrant(s);
    const cell = html("div", { class: "domain-seg", "data-index": i, "data-domain": s.domain || "" });
    cell.style.left = pct(s.start);
    cell.style.width = pct(Math.max(0, s.end - s.start));
    cell.style.background = DOMAIN_COLOUR[s.domain] || "#f1f3f5";
    if (q) {
      cell.appendChild(html("span", { class: "quadrant" }, q.name));
      cell.dataset.quadrant = q.name;
    }
    cell.title = `${fmtTime(s.start)}\u2013${fmtTime(s.end)} · ${s.domain || "unknown"}` +
      (q ? ` · quadrant ${q.name} (${QUADRANT_SIGNS[q.name] || ""}) ${(100 * q.p).toFixed(0)}%` : "");
    cell.addEventListener("click", () => selectWindow(i));
    band.appendChild(cell);
  });
  const present = new Set(r.segments.map((s) => s.domain).filter(Boolean));
  const shown = DOMAIN_ORDER.filter((d) => d !== "silence" || present.has(d));
  for (const d of [...shown, ...[...present].filter((d) => !DOMAIN_ORDER.includes(d))]) {
    const item = html("span", { "data-domain": d });
    const chip = html("span", { class: "chip" });
    chip.style.background = DOMAIN_COLOUR[d] || "#f1f3f5";
    item.appendChild(chip);
    item.appendChild(document.createTextNode(d));
    legend.appendChild(item);
  }
  legend.appendChild(html("span", { class: "hint" },
    "Q1\u2013Q4 on music: top quadrant (Q1 +V+A, Q2 \u2212V+A, Q3 \u2212V\u2212A, Q4 +V\u2212A)"));
}

// the transcript under the timeline: each utterance at its time, the selected window's words marked
function drawWords() {
  const r = state.current.result;
  const row = $("words-row"), band = $("words");
  clear(band);
  row.hidden = !Array.isArray(r.transcript);
  if (row.hidden) return;
  if (!r.transcript.length) {
    band.appendChild(html("span", { class: "hint" }, "no words heard"));
    return;
  }
  const dur = Math.max(r.duration, 1e-6);
  r.transcript.forEach((u) => {
    const cell = html("div", { class: "utterance", "data-start": u.start, "data-end": u.end }, u.text);
    cell.style.left = `${(100 * u.start) / dur}%`;
    cell.style.width = `${(100 * Math.max(0, u.end - u.start)) / dur}%`;
    cell.title = `${fmtTime(u.start)}\u2013${fmtTime(u.end)}${u.language ? " · " + u.language : ""}` +
      (u.translation ? ` · ${u.translation}` : "") + `\n${u.text}`;
    cell.addEventListener("click", () => {
      const i = r.segments.findIndex((s) => s.end > u.start);
      if (i >= 0) selectWindow(i);
    });
    band.appendChild(cell);
  });
}

function drawTimeline() {
  const svg = $("timeline");
  clear(svg);
  const r = state.current.result;
  const W = 1000, H = 170, top = 8, bottom = 150;
  const dur = Math.max(r.duration, 1e-6);
  const x = (t) => (t / dur) * W;
  r.segments.forEach((s, i) => {
    // a window without speech emotion gets no bar, only a transparent target to hover and click
    const rect = el("rect", {
      x: x(s.start), y: top, width: Math.max(0.5, x(s.end) - x(s.start)), height: bottom - top,
      fill: s.emotion ? colour(s.emotion) : "#ffffff", "fill-opacity": s.emotion ? 0.2 + 0.45 * (s.confidence || 0) : 0,
      class: s.emotion ? "segment" : "segment no-emotion", "data-index": i,
    }, svg);
    rect.addEventListener("mousemove", (e) => showTooltip(e, s));
    rect.addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
    rect.addEventListener("click", () => selectWindow(i));
  });
  const peaks = state.peaks || [];
  if (peaks.length) {
    const mid = (top + bottom) / 2, amp = (bottom - top) / 2 - 4;
    const max = Math.max(...peaks, 1e-6);
    let d = `M0 ${mid}`;
    peaks.forEach((p, i) => { d += ` L${(i / peaks.length) * W} ${mid - amp * p / max}`; });
    for (let i = peaks.length - 1; i >= 0; i--) d += ` L${(i / peaks.length) * W} ${mid + amp * peaks[i] / max}`;
    el("path", { d: d + " Z", fill: "#1d2433", "fill-opacity": 0.4, "pointer-events": "none" }, svg);
  }
  el("rect", { id: "sel-outline", x: 0, y: top, width: 0, height: bottom - top, fill: "none", stroke: "#1d2433",
    "stroke-width": 2.5, "pointer-events": "none", "vector-effect": "non-scaling-stroke" }, svg);
  const step = niceStep(dur);
  for (let t = 0; t <= dur + 1e-9; t += step) {
    el("line", { x1: x(t), x2: x(t), y1: bottom, y2: bottom + 4, stroke: "#9aa3ad", "vector-effect": "non-scaling-stroke" }, svg);
    const label = el("text", { x: Math.min(x(t) + 2, W - 30), y: H - 4, class: "axis" }, svg);
    label.textContent = fmtTime(t);
  }
}

function niceStep(d) {
  for (const s of [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) if (d / s <= 12) return s;
  return 1200;
}

function showTooltip(ev, s) {
  const tip = $("tooltip");
  clear(tip);
  const head = html("div");
  head.appendChild(html("b", {}, s.emotion || "no speech emotion"));
  head.appendChild(document.createTextNode(` · ${fmtTime(s.start)}–${fmtTime(s.end)}`));
  tip.appendChild(head);
  if (s.domain) {
    const q = topQuadrant(s);
    tip.appendChild(html("div", { class: "domain-line" },
      `${s.domain}${q ? ` · quadrant ${q.name} (${QUADRANT_SIGNS[q.name] || ""}) ${(100 * q.p).toFixed(0)}%` : ""}`));
  }
  const probs = Object.entries(s.probabilities || {}).sort((a, b) => b[1] - a[1]);
  for (const [k, v] of probs) {
    const row = html("div", { class: "row" });
    const name = html("span");
    const chip = html("span", { class: "chip" });
    chip.style.background = colour(k);
    name.appendChild(chip);
    name.appendChild(document.createTextNode(k));
    row.appendChild(name);
    row.appendChild(html("span", {}, `${(100 * v).toFixed(1)}%`));
    tip.appendChild(row);
  }
  const box = $("timeline").getBoundingClientRect();
  const px = ev.clientX - box.left, py = ev.clientY - box.top;
  tip.hidden = false;
  tip.style.left = `${Math.min(px + 14, box.width - tip.offsetWidth - 4)}px`;
  tip.style.top = `${py + 14}px`;
}

function selectWindow(i) {
  const r = state.current.result;
  if (!r.segments.length) return;
  state.selected = Math.max(0, Math.min(i, r.segments.length - 1));
  const s = r.segments[state.selected];
  const dur = Math.max(r.duration, 1e-6);
  const outline = $("sel-outline");
  outline.setAttribute("x", (s.start / dur) * 1000);
  outline.setAttribute("width", Math.max(1, ((s.end - s.start) / dur) * 1000));
  const what = [s.emotion || "no speech emotion", domainText(s)].filter(Boolean).join(" · ");
  $("window-label").textContent = `#${state.selected + 1} · ${fmtTime(s.start)}–${fmtTime(s.end)} · ${what}`;
  for (const cell of $("domains").children) cell.classList.toggle("selected", Number(cell.dataset.index) === state.selected);
  drawProbabilities(s);
  drawVA();
}

function drawProbabilities(s) {
  const svg = $("probs");
  clear(svg);
  const labels = state.current.result.model.labels;
  const rowH = Math.min(30, 250 / labels.length), left = 88, W = 460, barW = W - left - 60;
  const lines = [`valence ${fmtNum(s.valence)} · arousal ${fmtNum(s.arousal)} · dominance ${fmtNum(s.dominance)}`];
  const q = topQuadrant(s);
  if (s.domain) lines.push(`${s.domain}${q ? ` · quadrant ${q.name} (${QUADRANT_SIGNS[q.name] || ""}) ${(100 * q.p).toFixed(1)}%` : ""}`);
  if (!s.emotion) {
    // no speech emotion in this window (music or other sound): no bars, say so
    const none = el("text", { x: left, y: 24, class: "axis no-emotion" }, svg);
    none.textContent = "no speech emotion in this window";
    lines.forEach((t, i) => { el("text", { x: left, y: 48 + 18 * i, class: "axis" }, svg).textContent = t; });
    svg.setAttribute("viewBox", `0 0 ${W} ${Math.max(80, 60 + 18 * lines.length)}`);
    return;
  }
  labels.forEach((lab, i) => {
    const p = s.probabilities[lab] || 0;
    const y = 4 + i * rowH;
    const name = el("text", { x: left - 8, y: y + rowH * 0.62, "text-anchor": "end", class: "axis" }, svg);
    name.textContent = lab;
    el("rect", { x: left, y: y + 3, width: barW, height: rowH - 8, fill: "#f1f3f7", rx: 3 }, svg);
    el("rect", { x: left, y: y + 3, width: Math.max(0.5, barW * p), height: rowH - 8, fill: colour(lab), rx: 3,
      class: "prob-bar", "data-label": lab }, svg);
    const val = el("text", { x: left + barW + 6, y: y + rowH * 0.62, class: "axis" }, svg);
    val.textContent = `${(100 * p).toFixed(1)}%`;
  });
  const y0 = 4 + labels.length * rowH + 16;
  lines.forEach((t, i) => { el("text", { x: left, y: y0 + 18 * i, class: "axis" }, svg).textContent = t; });
  svg.setAttribute("viewBox", `0 0 ${W} ${Math.max(260, y0 + 18 * lines.length)}`);
}

function drawVA() {
  const svg = $("va");
  clear(svg);
  const S = 300, off = 30;
  const px = (v) => off + v * S, py = (a) => off + (1 - a) * S - 20;
  if (state.maps && state.maps.A) {
    const groups = new Map();
    for (const reg of state.maps.A.regions) {
      const key = `${reg.valence}|${reg.arousal}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(reg);
    }
    const quality = Object.fromEntries(state.maps.intervals.map((iv) => [iv.short, iv.quality]));
    for (const regs of groups.values()) {
      const r0 = regs[0];
      const x0 = px(r0.valence[0]), x1 = px(r0.valence[1]), y0 = py(r0.arousal[1]), y1 = py(r0.arousal[0]);
      el("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: QUALITY_FILL[quality[r0.interval]] || "#f1f3f5",
        stroke: "#ffffff", "stroke-width": 1.5 }, svg);
      const t = el("text", { x: (x0 + x1) / 2, y: (y0 + y1) / 2 + 4, "text-anchor": "middle", class: "region-label" }, svg);
      t.textContent = regs.map((g) => g.interval).join("/");
      if (regs.length > 1) t.appendChild(Object.assign(el("title"), { textContent: "split by dominance: high / low" }));
    }
  }
  el("rect", { x: off, y: off - 20, width: S, height: S, fill: "none", stroke: "#9aa3ad" }, svg);
  const xl = el("text", { x: off + S / 2, y: S + off + 6, "text-anchor": "middle", class: "axis" }, svg);
  xl.textContent = "valence →";
  const yl = el("text", { x: 12, y: off - 20 + S / 2, "text-anchor": "middle", class: "axis",
    transform: `rotate(-90 12 ${off - 20 + S / 2})` }, svg);
  yl.textContent = "arousal →";
  const segs = state.current.result.segments;
  const placed = (s) => s.valence !== null && s.valence !== undefined && s.arousal !== null && s.arousal !== undefined;
  if (!segs.some(placed)) return;
  const pts = segs.filter(placed).map((s) => `${px(s.valence)},${py(s.arousal)}`).join(" ");
  el("polyline", { points: pts, fill: "none", stroke: "#1d2433", "stroke-width": 1.5, "stroke-opacity": 0.6 }, svg);
  segs.forEach((s, i) => {
    if (!placed(s)) return;
    const c = el("circle", { cx: px(s.valence), cy: py(s.arousal), r: i === state.selected ? 7 : 3.5,
      fill: s.emotion ? colour(s.emotion) : DOMAIN_COLOUR[s.domain] || NO_EMOTION_FILL, stroke: i === state.selected ? "#1d2433" : "#fff", "stroke-width": i === state.selected ? 2 : 1,
      class: "va-point" }, svg);
    c.style.cursor = "pointer";
    const what = [s.emotion, domainText(s)].filter(Boolean).join(" · ") || "no speech emotion";
    c.appendChild(Object.assign(el("title"), { textContent: `#${i + 1} ${what} V ${s.valence.toFixed(2)} A ${s.arousal.toFixed(2)}` }));
    c.addEventListener("click", () => selectWindow(i));
  });
}

// ---- music ----------------------------------------------------------------------------------
async function compose(id, method) {
  const status = $("compose-status");
  status.hidden = false;
  status.className = "message info";
  status.textContent = "composing and rendering the music…";
  try {
    const comp = await api(`/api/analyses/${id}/compose`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ method }),
    });
    if (!state.current || state.current.id !== id) return;
    showComposition(comp);
  } catch (e) {
    status.className = "message";
    status.textContent = `The music could not be made: ${e.message}`;
  }
}

function showComposition(comp) {
  state.composition = comp;
  $("compose-status").hidden = true;
  drawIntervals(comp);
  const players = $("players");
  clear(players);
  const titles = { wav: "music alone", mix: "mixed under the dialogue", video: "scored video" };
  // the audio players of every method first, the (taller) scored videos on a row of their own
  const methods = Object.keys(comp.methods);
  const order = [["wav", "mix"], ["video"]].flatMap((kinds) => methods.flatMap((m) => kinds.map((k) => [m, k])));
  for (const [m, kind] of order) {
    const art = comp.artifacts.find((a) => a.kind === kind && a.method === m);
    if (!art) continue;
    const box = html("div", { class: kind === "video" ? "player video" : "player" });
    box.appendChild(html("div", { class: "title" }, `Method ${m} · ${titles[kind]}`));
    box.appendChild(html(kind === "video" ? "video" : "audio",
      { controls: "", preload: "none", src: art.url, "data-kind": kind, "data-method": m }));
    players.appendChild(box);
  }
  drawDownloads();
}

// ---- score sketch ---------------------------------------------------------------------------
async function composeSketch(id, method) {
  const status = $("sketch-status");
  status.hidden = false;
  status.className = "message info";
  status.textContent = "composing and rendering the score sketch…";
  try {
    const comp = await api(`/api/analyses/${id}/compose`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ method, style: "sketch" }),
    });
    if (!state.current || state.current.id !== id) return;
    showSketch(comp);
  } catch (e) {
    status.className = "message";
    status.textContent = `The score sketch could not be made: ${e.message}`;
  }
}

// the sketch's players, its cues (from its intervals JSON, one line each as on the cue sheet) and its files
async function showSketch(comp) {
  state.sketch = comp;
  $("sketch-status").hidden = true;
  const players = $("sketch-players");
  clear(players);
  const titles = { wav: "music alone", mix: "mixed under the dialogue", video: "scored video" };
  for (const kind of ["wav", "mix", "video"]) {
    const art = comp.artifacts.find((a) => a.kind === kind && a.method === "sketch");
    if (!art) continue;
    const box = html("div", { class: kind === "video" ? "player video" : "player" });
    box.appendChild(html("div", { class: "title" }, `Score sketch · ${titles[kind]}`));
    box.appendChild(html(kind === "video" ? "video" : "audio",
      { controls: "", preload: "none", src: art.url, "data-kind": kind, "data-method": "sketch" }));
    players.appendChild(box);
  }
  const files = $("sketch-downloads");
  clear(files);
  for (const a of comp.artifacts) {
    const link = html("a", { href: a.url, download: "", "data-kind": a.kind, "data-method": a.method || "" }, artifactLabel(a));
    if (a.media_type) link.title = a.media_type;
    files.appendChild(link);
  }
  const box = $("cues");
  clear(box);
  const doc = comp.artifacts.find((a) => a.kind === "intervals");
  let sketch = null;
  try { sketch = doc ? (await api(doc.url)).sketch : null; } catch (e) { sketch = null; }
  if (!sketch || state.sketch !== comp) return;
  if (sketch.notice) box.appendChild(html("div", {}, sketch.notice));
  for (const c of sketch.cues) {
    box.appendChild(html("div", { "data-cue": String(c.cue) },
      `${fmtTime(c.start)}–${fmtTime(c.end)}  cue ${c.cue}: ${c.emotion} · ${c.key} · ${Math.round(c.tempo)} BPM ${c.time_signature} · ${c.interval} · ${c.chords.join(" ")}`));
  }
  for (const r of sketch.rests) box.appendChild(html("div", { class: "rest" }, `${fmtTime(r.start)}–${fmtTime(r.end)}  rest: ${r.reason}`));
}

function drawIntervals(comp) {
  const svg = $("intervals");
  clear(svg);
  const W = 1000, H = 200, left = 40, top = 10, bottom = 176;
  const dur = Math.max(state.current.result.duration, 1e-6);
  const x = (t) => left + (t / dur) * (W - left - 8);
  const y = (st) => bottom - (st / 12) * (bottom - top);
  const names = state.maps ? Object.fromEntries(state.maps.intervals.map((iv) => [iv.semitones, iv.short])) : {};
  for (let st = 0; st <= 12; st += 2) {
    el("line", { x1: left, x2: W - 8, y1: y(st), y2: y(st), stroke: "#e9ecf2", "vector-effect": "non-scaling-stroke" }, svg);
    const t = el("text", { x: 4, y: y(st) + 4, class: "axis" }, svg);
    t.textContent = `${st} ${names[st % 12] || ""}`;
  }
  const seqs = $("sequences");
  clear(seqs);
  for (const [m, doc] of Object.entries(comp.methods)) {
    let d = "";
    for (const s of doc.steps) {
      d += `${d ? " L" : "M"}${x(s.start)} ${y(s.semitones)} L${x(s.end)} ${y(s.semitones)}`;
    }
    el("path", { d, fill: "none", stroke: METHOD_COLOUR[m] || "#495057", "stroke-width": 3, "stroke-linejoin": "round",
      "stroke-dasharray": m === "B" ? "9 5" : "none", "vector-effect": "non-scaling-stroke", class: `seq-${m}` }, svg);
    const line = html("div");
    const lab = html("span", { class: "lab" }, `method ${m}`);
    lab.style.color = METHOD_COLOUR[m] || "#495057";
    line.appendChild(lab);
    const intervals = doc.steps.map((s) => s.interval).join(" ");
    line.appendChild(document.createTextNode(` ${intervals || "rests throughout (no window it can read)"}`));
    seqs.appendChild(line);
  }
  const c = comp.comparison;
  $("compare-label").textContent = c
    ? `A vs B: r = ${c.r === null ? "undefined (a sequence is constant)" : c.r.toFixed(3)} · same interval in ${Math.round(100 * c.agreement)}% of windows`
    : "";
}

function drawDownloads() {
  const box = $("downloads");
  clear(box);
  const job = state.current;
  const link = (href, text) => { const a = html("a", { href, download: "" }, text); box.appendChild(a); };
  link(`/api/analyses/${job.id}/timeline?format=json`, "Timeline JSON");
  link(`/api/analyses/${job.id}/timeline?format=csv`, "Timeline CSV");
  const comp = state.composition;
  if (!comp) return;
  for (const a of comp.artifacts) {
    const link2 = html("a", { href: a.url, download: "", "data-kind": a.kind, "data-method": a.method || "" },
      artifactLabel(a));
    if (a.media_type) link2.title = a.media_type;
    box.appendChild(link2);
  }
}

function artifactLabel(a) {
  if (a.kind === "video") return `scored video${a.method ? ` ${a.method}` : ""}`;
  const names = { midi: "MIDI", wav: "WAV", mix: "mixed WAV", intervals: "intervals JSON", cues: "cue sheet (CSV)" };
  const who = a.method === "sketch" ? "Sketch " : a.method ? `Method ${a.method} ` : "";
  return `${who}${names[a.kind] || a.kind}`;
}

// ---- history --------------------------------------------------------------------------------
async function refreshHistory(append = false) {
  const body = $("history");
  if (!append) state.historyOffset = 0;
  let page;
  try {
    page = await api(`/api/analyses?limit=10&offset=${state.historyOffset}`);
  } catch (e) {
    if (!append) clear(body);
    body.appendChild(Object.assign(html("tr"), { innerHTML: "" }));
    return;
  }
  if (!append) clear(body);
  if (!page.items.length && !append) {
    const tr = html("tr");
    tr.appendChild(html("td", { colspan: 6, class: "empty" }, "No analyses yet."));
    body.appendChild(tr);
  }
  for (const item of page.items) body.appendChild(historyRow(item));
  state.historyOffset += page.items.length;
  $("history-more").hidden = state.historyOffset >= page.total;
  markHistory();
}

function historyRow(item) {
  const tr = html("tr", { "data-id": item.id });
  tr.appendChild(html("td", {}, item.filename));
  tr.appendChild(html("td", {}, new Date(item.created).toLocaleString()));
  tr.appendChild(html("td", {}, fmtTime(item.duration)));
  tr.appendChild(html("td", {}, `${item.options.model} · ${item.options.window} s${item.options.domain ? ` · ${item.options.domain}` : ""}`));
  const st = html("td");
  const badge = html("span", { class: `status ${item.status}` }, item.status);
  if (item.error) badge.title = item.error;
  st.appendChild(badge);
  tr.appendChild(st);
  const actions = html("td", { class: "actions" });
  const open = html("button", { type: "button", class: "secondary small" }, item.status === "done" ? "Open" : "Follow");
  open.disabled = item.status === "failed";
  open.addEventListener("click", () => reopen(item.id));
  const del = html("button", { type: "button", class: "danger small" }, "Delete");
  del.addEventListener("click", () => remove(item.id));
  actions.appendChild(open);
  actions.appendChild(del);
  tr.appendChild(actions);
  return tr;
}

function markHistory() {
  for (const tr of $("history").querySelectorAll("tr[data-id]")) {
    tr.classList.toggle("current", !!state.current && tr.dataset.id === state.current.id);
  }
}

async function reopen(id) {
  showMessage("");
  try {
    const job = await api(`/api/analyses/${id}`);
    if (job.status === "done") await openResult(job);
    else follow(id);
    $("results").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (e) {
    showMessage(`Could not open the analysis: ${e.message}`);
  }
}

async function remove(id) {
  try {
    await api(`/api/analyses/${id}`, { method: "DELETE" });
    if (state.current && state.current.id === id) { state.current = null; $("results").hidden = true; }
  } catch (e) {
    showMessage(`Could not delete: ${e.message}`);
  }
  refreshHistory();
}

// ---- start ----------------------------------------------------------------------------------
// the options form never navigates (no inline handler: the page's CSP allows only this script)
$("options").addEventListener("submit", (e) => e.preventDefault());
setupInput();
$("history-refresh").addEventListener("click", () => refreshHistory());
$("history-more").addEventListener("click", () => refreshHistory(true));
checkHealth();
setInterval(checkHealth, 5000);
loadModels();
loadMaps();
refreshHistory();
