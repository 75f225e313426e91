"use strict";
// The report's own script: filters (also read from and written to the address's #fragment,
// e.g. #status=failed&severity=high), sorting, and the per-account details of a finding,
// which are built from the embedded JSON and only ever set as text.
(function () {
  const $ = (s, root) => (root || document).querySelector(s);
  const $$ = (s, root) => Array.from((root || document).querySelectorAll(s));
  const data = JSON.parse($("#tg-data").textContent);
  const text = (i) => data.strings[i] || "";
  const rank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  const controls = {
    account: $("#f-account"),
    section: $("#f-section"),
    severity: $("#f-severity"),
    status: $("#f-status"),
  };

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    for (const [name, el] of Object.entries(controls)) {
      const v = params.get(name);
      if (v !== null) el.value = v;
    }
    // `open=g3,g7`: findings to show opened (a link to one finding is `#g3`).
    for (const id of (params.get("open") || "").split(",").concat([location.hash.slice(1)])) {
      const finding = id && document.getElementById(id);
      if (finding && finding.tagName === "DETAILS") finding.open = true;
    }
  }

  function writeHash() {
    const params = new URLSearchParams();
    for (const [name, el] of Object.entries(controls)) {
      if (el.value) params.set(name, el.value);
    }
    const opened = $$("details.finding[open]").map((d) => d.id);
    if (opened.length) params.set("open", opened.join(","));
    const hash = params.toString();
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }

  function columnShown(el) {
    const section = controls.section.value;
    const severity = controls.severity.value;
    if (section !== "" && el.dataset.section !== section) return false;
    if (severity !== "" && rank[el.dataset.severity] < rank[severity]) return false;
    return true;
  }

  function apply() {
    const account = controls.account.value.trim().toLowerCase();
    const status = controls.status.value;
    for (const el of $$("#matrix [data-col]")) {
      el.classList.toggle("hidden-col", !columnShown(el));
    }
    let shown = 0;
    const rows = $$("#matrix tbody tr");
    for (const row of rows) {
      let visible = account === "" || row.dataset.account.includes(account);
      const cells = $$("td.c", row).filter((c) => !c.classList.contains("hidden-col"));
      for (const c of cells) {
        c.classList.toggle("dim", status !== "" && !c.classList.contains("st-" + status));
      }
      if (visible && status !== "") {
        visible = cells.some((c) => c.classList.contains("st-" + status));
      }
      row.classList.toggle("hidden", !visible);
      if (visible) shown += 1;
    }
    let findings = 0;
    for (const f of $$("details.finding")) {
      let visible = columnShown(f) && (status === "" || f.dataset.status === status);
      if (visible && account !== "") {
        const names = [$(".accounts", f).textContent]
          .concat($$("option", f).map((o) => o.textContent))
          .join("\n")
          .toLowerCase();
        visible = names.includes(account);
      }
      f.classList.toggle("hidden", !visible);
      if (visible) findings += 1;
    }
    $("#f-shown").textContent =
      shown + " of " + rows.length + " accounts, " + findings + " findings shown";
  }

  function onFilter() {
    apply();
    writeHash();
  }

  for (const el of Object.values(controls)) {
    el.addEventListener("input", onFilter);
    el.addEventListener("change", onFilter);
  }
  window.addEventListener("hashchange", () => {
    readHash();
    apply();
  });

  // Sorting: by name, by a count, or by one control's status (failures first).
  const order = { "st-failed": 0, "st-not_evaluable": 1, "st-passed": 2, "st-none": 3 };
  for (const th of $$("#matrix th.sort")) {
    th.addEventListener("click", () => {
      const body = $("#matrix tbody");
      const rows = $$("tr", body);
      const how = th.dataset.sort;
      const key = (row) => {
        if (how === "name") return $("th", row).textContent.toLowerCase();
        if (how === "col") {
          const cell = $('td.c[data-col="' + th.dataset.col + '"]', row);
          const cls = Array.from(cell.classList).find((c) => c in order);
          return order[cls];
        }
        return -Number(row.dataset[how]);
      };
      rows.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });
      for (const row of rows) body.appendChild(row);
      for (const other of $$("#matrix th.sort")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", how === "name" ? "ascending" : "descending");
    });
  }

  // One account's chain and fixes in a finding, as text.
  function showAccount(select) {
    const target = $(".acct-detail", select.closest(".body"));
    target.textContent = "";
    const rows = data.groups[select.dataset.g] || [];
    const row = rows[Number(select.value)];
    if (!row || select.value === "") return;
    const [label, reason, chains, fixes] = row;
    const head = document.createElement("p");
    head.textContent = "Chain of account " + text(label) + ":";
    target.appendChild(head);
    if (text(reason)) {
      const p = document.createElement("p");
      p.textContent = text(reason);
      target.appendChild(p);
    }
    for (const steps of chains) {
      const list = document.createElement("ol");
      for (const [status, what, detail] of steps) {
        const item = document.createElement("li");
        item.className = status;
        const mark = status === "ok" ? "✓ " : status === "broken" ? "✗ " : "∅ ";
        item.textContent = mark + text(what) + (text(detail) ? ": " + text(detail) : "");
        list.appendChild(item);
      }
      target.appendChild(list);
    }
    for (const [account, fix] of fixes) {
      if (text(account)) {
        const p = document.createElement("p");
        p.textContent = "in account " + text(account) + ":";
        target.appendChild(p);
      }
      const box = document.createElement("div");
      box.className = "fix";
      const pre = document.createElement("pre");
      const code = document.createElement("code");
      code.textContent = text(fix);
      pre.appendChild(code);
      box.appendChild(pre);
      target.appendChild(box);
    }
  }

  for (const select of $$("select.acct-pick")) {
    select.addEventListener("change", () => showAccount(select));
  }

  // A matrix cell opens its finding, on that account.
  $("#matrix").addEventListener("click", (event) => {
    const cell = event.target.closest("td.c[data-g]");
    if (!cell) return;
    const finding = document.getElementById(cell.dataset.g);
    if (!finding) return;
    finding.open = true;
    const label = $("th", cell.closest("tr")).textContent;
    const select = $("select.acct-pick", finding);
    if (select) {
      const option = $$("option", select).find((o) => o.textContent === label);
      if (option) {
        select.value = option.value;
        showAccount(select);
      }
    }
    finding.scrollIntoView({ block: "start" });
  });

  // Copy buttons.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.copy");
    if (!button) return;
    const code = $("code", button.parentElement).textContent;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(code).then(
        () => (button.textContent = "Copied"),
        () => (button.textContent = "Select and copy")
      );
    }
  });

  readHash();
  apply();
  document.body.dataset.ready = "true";
})();
