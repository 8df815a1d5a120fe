// The Edge console's only script: the live list (Server-Sent Events), its filters, and the ladder's
// clickable messages. Everything from the wire is put in with textContent, never as markup.
"use strict";

function cell(tr, text, sub) {
  const td = document.createElement("td");
  td.textContent = text;
  if (sub) {
    const d = document.createElement("div");
    d.className = "sub";
    d.textContent = sub;
    td.appendChild(d);
  }
  tr.appendChild(td);
  return td;
}

function rowOf(r) {
  const tr = document.createElement("tr");
  tr.className = "row " + r.class;
  tr.dataset.id = r.id;
  tr.dataset.direction = r.direction;
  tr.dataset.class = r.class;
  tr.dataset.domains = r.from + " " + r.to;
  const a = document.createElement("a");
  a.href = "/attempts/" + encodeURIComponent(r.id);
  a.textContent = r.time;
  const td = document.createElement("td");
  td.appendChild(a);
  tr.appendChild(td);
  cell(tr, r.direction);
  cell(tr, r.peer, r.peer_name);
  cell(tr, r.domains);
  cell(tr, r.method);
  cell(tr, r.outcome).className = "outcome";
  cell(tr, r.duration);
  return tr;
}

function applyFilters() {
  const f = document.getElementById("filters");
  if (!f) return;
  const dir = f.direction.value, cls = f.class.value, dom = f.domain.value.trim().toLowerCase();
  for (const tr of document.querySelectorAll("#attempts tbody tr")) {
    const show = (!dir || tr.dataset.direction === dir) && (!cls || tr.dataset.class === cls) &&
      (!dom || tr.dataset.domains.toLowerCase().includes(dom));
    tr.hidden = !show;
  }
}

function live() {
  const body = document.querySelector("#attempts tbody");
  if (!body) return;
  const state = document.getElementById("live");
  const f = document.getElementById("filters");
  f.addEventListener("input", applyFilters);
  f.addEventListener("submit", (e) => e.preventDefault());
  const es = new EventSource("/events");
  es.onopen = () => { state.textContent = "live"; state.className = "live on"; };
  es.onerror = () => { state.textContent = "reconnecting…"; state.className = "live"; };
  es.addEventListener("attempt", (e) => {
    const r = JSON.parse(e.data);
    if (body.querySelector('tr[data-id="' + CSS.escape(r.id) + '"]')) return;
    body.insertBefore(rowOf(r), body.firstChild);
    document.getElementById("empty").hidden = true;
    applyFilters();
  });
  es.addEventListener("dropped", (e) => {
    const d = document.getElementById("dropped");
    d.hidden = false;
    d.textContent = e.data + " attempts missed while this tab was slow: reload to see them";
  });
}

function ladder() {
  const box = document.getElementById("ladder");
  if (!box) return;
  const open = (g) => {
    const d = document.getElementById("msg-" + g.dataset.msg);
    if (!d) return;
    d.open = true;
    d.scrollIntoView({ block: "center" });
  };
  box.addEventListener("click", (e) => {
    const g = e.target.closest(".msg");
    if (g) open(g);
  });
  box.addEventListener("keydown", (e) => {
    const g = e.target.closest(".msg");
    if (g && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); open(g); }
  });
}

live();
ladder();
