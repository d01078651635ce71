// ponstack console: light progressive enhancement, no framework. One way to do each thing:
//  - form[data-api="/url"]: sends the form as JSON to the API (with the session's CSRF header).
//    Fields: name="a.b" builds nested JSON; data-type="int|number|bool|json|lines"; an empty
//    field is left out, unless data-keep-empty (sent as "") or data-null-empty (sent as null);
//    input[type=checkbox][data-type=list]: the ticked values of one name as a list, and [] when
//    none is ticked (the list replaces the whole stored one).
//    data-preview: first sends it with dry_run, shows the plan (its commands, or its parameters
//    [{name, value}]), then asks to confirm (button[data-confirm-send], data-confirm-label).
//  - button[data-api]: the same for one button (data-body: JSON).
//  Both take: data-method (POST); data-confirm="question" (asked first); data-if-match="<etag>"
//    (sent as If-Match: the version read, so a stale edit is refused); data-out="#sel" (where
//    the outcome goes; else the [data-out] inside); after success:
//      data-show="commands|token|check|json": show the answer in the out element (the rendered
//        commands; a token shown once with a copy hint; a check's {ok, detail} with data-ok-text /
//        data-fail-text; the JSON as it came) instead of data-ok-text ("Done.");
//      data-follow: streams the queued job's progress (job_id);
//      data-then-stream="#sel": (re)starts the [data-stream] of that element (or in it);
//      data-redirect="/x/{id}" ({id}: the answer's id, job_id, bulk_run_id or queue_job_id);
//      data-reload.
//  - button[data-then-stream] without data-api: (re)starts that stream on click.
//  - [data-src]: loads an HTML fragment into the element (data-refresh: every N seconds).
//  - [data-stream="/sse-url"]: an EventSource whose messages replace the element's content; the
//    `done` event ends it. data-stream-manual: not started on load (only by data-then-stream);
//    data-stream-state="#sel": that element says "Live…" (data-stream-live-text), then
//    "Live view ended." or "Live view stopped."; aria-busy while it runs.
//  - form[data-login], [data-logout], input[data-select-all].
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function api(method, url, body, extraHeaders) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": csrf(), ...(extraHeaders || {}) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    const text = await response.text();
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    return { ok: response.ok, status: response.status, data };
  }

  function problemText(result) {
    const d = result.data;
    if (d && typeof d === "object") {
      let text = d.detail || d.title || JSON.stringify(d);
      const where = (e) => e.field || (Array.isArray(e.loc) ? e.loc.filter(p => p !== "body").join(".") : "");
      if (Array.isArray(d.errors)) text += ": " + d.errors.map(e => (where(e) ? where(e) + ": " : "") + (e.message || e.msg || "")).join("; ");
      if (d.device_output) text += "\n" + d.device_output;
      return `${result.status}: ${text}`;
    }
    return `${result.status}: ${d || "request failed"}`;
  }

  function valueOf(field) {
    const type = field.dataset.type || "";
    if (field.type === "checkbox") return type === "list" ? null : field.checked;
    const raw = field.value;
    if (raw === "") {
      if (field.hasAttribute("data-null-empty")) return null;
      if (!field.hasAttribute("data-keep-empty")) return undefined;
    }
    if (type === "int") return parseInt(raw, 10);
    if (type === "number") return parseFloat(raw);
    if (type === "bool") return raw === "true";
    if (type === "json") return JSON.parse(raw);
    if (type === "lines") return raw.split("\n").map(s => s.trim()).filter(Boolean);
    return raw;
  }

  function formBody(form) {
    const body = {};
    for (const field of form.elements) {
      if (!field.name || field.disabled) continue;
      if (field.type === "checkbox" && field.dataset.type === "list") {
        body[field.name] = body[field.name] || [];  // [] when none is ticked: the list is replaced
        if (field.checked) body[field.name].push(/^\d+$/.test(field.value) ? parseInt(field.value, 10) : field.value);
        continue;
      }
      const value = valueOf(field);
      if (value === undefined) continue;
      // dotted names build nested objects: wifi.ssid -> {wifi: {ssid}}
      const parts = field.name.split(".");
      let target = body;
      for (const part of parts.slice(0, -1)) target = (target[part] = target[part] || {});
      target[parts[parts.length - 1]] = value;
    }
    if (form.dataset.bodyExtra) Object.assign(body, JSON.parse(form.dataset.bodyExtra));
    return body;
  }

  function show(out, text, kind) {
    if (!out) return;
    out.className = "out " + (kind || "");
    out.textContent = text;
  }

  function outFor(el) {
    const sel = el.dataset.out;
    return sel ? document.querySelector(sel) : (el.querySelector && el.querySelector("[data-out]"));
  }

  function element(parent, tag, text, attr) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (attr) node.setAttribute(attr, "");
    parent.appendChild(node);
    return node;
  }

  // one line of a plan: a command as it is, a parameter {name, value, secret} as `name = value`
  function planLine(item) {
    if (typeof item === "string") return item;
    if (item && typeof item === "object" && "name" in item) {
      const value = item.secret ? `${item.value} (secret: sent, stored encrypted, never shown again)`
        : (typeof item.value !== "string" ? JSON.stringify(item.value)
          : (item.value.includes("'") ? JSON.stringify(item.value) : `'${item.value}'`));
      return `${item.name} = ${value}`;
    }
    return JSON.stringify(item);
  }

  function renderPlan(plan) {
    const wrap = document.createElement("div");
    wrap.className = "plan";
    element(wrap, "p", plan.note || "This is what will be sent:");
    element(wrap, "pre", (plan.commands || plan.parameters || [JSON.stringify(plan, null, 2)])
      .map(planLine).join("\n"), "data-plan");
    return wrap;
  }

  // data-show: the answer itself, in the out element
  function showAnswer(out, el, data) {
    if (!out) return;
    out.className = "out";
    out.textContent = "";
    const kind = el.dataset.show;
    if (kind === "commands") {
      element(out, "h3", "Rendered commands");
      element(out, "pre", (data.commands || []).join("\n"), "data-preview-commands");
      if ((data.compensation || []).length) {
        element(out, "h3", "Undo if it fails" + (data.compensation_action ? ` (${data.compensation_action})` : ""));
        element(out, "pre", data.compensation.join("\n"));
      }
    } else if (kind === "token") {
      out.classList.add("ok");
      element(out, "p", "The new token, shown this once only: copy it now (it cannot be read again).");
      const code = element(out, "code", data.token || "", "data-new-token");
      if (navigator.clipboard) {
        const copy = element(out, "button", "Copy");
        copy.type = "button";
        copy.className = "secondary";
        copy.addEventListener("click", () => navigator.clipboard.writeText(code.textContent)
          .then(() => { copy.textContent = "Copied"; }, () => { copy.textContent = "Select it and copy"; }));
      }
    } else if (kind === "check") {
      out.classList.add(data.ok ? "ok" : "error");
      const said = data.ok ? (el.dataset.okText || "OK") : (el.dataset.failText || "Failed");
      out.textContent = said + (data.detail ? ": " + data.detail : "");
    } else {
      element(out, "pre", JSON.stringify(data, null, 2), "data-answer");
    }
  }

  function follow(jobId, out) {
    if (!out) return;
    const box = document.createElement("div");
    box.setAttribute("data-job-progress", jobId);
    box.textContent = `Job ${jobId} queued…`;
    out.appendChild(box);
    stream(box, `/console/jobs/${jobId}/stream`);
  }

  const sources = new WeakMap();  // element -> its running EventSource

  function stream(el, url) {
    if (!window.EventSource) return;
    const running = sources.get(el);
    if (running) running.close();
    const source = new EventSource(url || el.dataset.stream);
    sources.set(el, source);
    const state = el.dataset.streamState ? document.querySelector(el.dataset.streamState) : null;
    const stop = (text) => {
      source.close();
      if (sources.get(el) !== source) return;  // restarted meanwhile
      sources.delete(el);
      el.removeAttribute("aria-busy");
      if (state) state.textContent = text;
    };
    el.setAttribute("aria-busy", "true");
    if (state) state.textContent = el.dataset.streamLiveText || "Live…";
    source.onmessage = (event) => { el.innerHTML = event.data; };
    source.addEventListener("done", (event) => { el.innerHTML = event.data; stop("Live view ended.");
      el.dispatchEvent(new CustomEvent("stream-done", { bubbles: true })); });
    source.onerror = () => { stop("Live view stopped."); };
  }

  // data-then-stream="#sel": (re)start the [data-stream] that is, or is in, the element named
  function restartStream(selector) {
    const target = document.querySelector(selector);
    const el = target && (target.matches("[data-stream]") ? target : target.querySelector("[data-stream]"));
    if (el) stream(el);
  }

  async function afterSuccess(el, result, out) {
    const data = result.data || {};
    if (el.dataset.show) showAnswer(out, el, data);
    if (el.dataset.follow !== undefined && data.job_id) follow(data.job_id, out);
    if (el.dataset.thenStream) restartStream(el.dataset.thenStream);
    if (el.dataset.redirect) {
      const id = [data.id, data.job_id, data.bulk_run_id, data.queue_job_id].find(v => v !== undefined && v !== null);
      location.href = el.dataset.redirect.replace("{id}", id === undefined ? "" : id);
    } else if (el.dataset.reload !== undefined) {
      location.reload();
    }
  }

  function sendHeaders(el) {
    return el.dataset.ifMatch ? { "If-Match": el.dataset.ifMatch } : {};
  }

  async function submitApi(form, confirmed) {
    const out = outFor(form);
    const method = (form.dataset.method || "POST").toUpperCase();
    let body;
    try { body = formBody(form); } catch (e) { show(out, "invalid value: " + e.message, "error"); return; }
    const previewing = form.dataset.preview !== undefined && !confirmed;
    if (previewing) body.dry_run = true;
    else if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    show(out, previewing ? "Preparing the preview…" : "Sending…");
    try {
      const result = await api(method, form.dataset.api, method === "GET" ? undefined : body, sendHeaders(form));
      if (!result.ok) { show(out, problemText(result), "error"); return; }
      if (previewing) {
        show(out, "");
        out.appendChild(renderPlan(result.data || {}));
        const confirm = document.createElement("button");
        confirm.type = "button";
        confirm.textContent = form.dataset.confirmLabel || "Send it";
        confirm.setAttribute("data-confirm-send", "");
        confirm.addEventListener("click", () => submitApi(form, true));
        out.appendChild(confirm);
        return;
      }
      show(out, form.dataset.okText || "Done.", "ok");
      await afterSuccess(form, result, out);
    } catch (e) { show(out, "request failed: " + e.message, "error");
    } finally { if (button) button.disabled = false; }
  }

  async function clickApi(button) {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const out = outFor(button);
    let body;
    try { body = button.dataset.body ? JSON.parse(button.dataset.body) : undefined; }
    catch (e) { show(out, "invalid value: " + e.message, "error"); return; }
    button.disabled = true;
    show(out, "Sending…");
    try {
      const result = await api((button.dataset.method || "POST").toUpperCase(), button.dataset.api, body,
        sendHeaders(button));
      if (!result.ok) { show(out, problemText(result), "error"); return; }
      show(out, button.dataset.okText || "Done.", "ok");
      await afterSuccess(button, result, out);
    } catch (e) { show(out, "request failed: " + e.message, "error");
    } finally { button.disabled = false; }
  }

  async function load(el) {
    try {
      const response = await fetch(el.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      el.innerHTML = response.ok ? await response.text() : `<p class="error-text">Could not load (${response.status}).</p>`;
      el.setAttribute("data-loaded", "");
      enhance(el);
    } catch (e) { el.innerHTML = '<p class="error-text">Could not load.</p>'; }
  }

  function enhance(root) {
    root.querySelectorAll("form[data-api]").forEach(form => {
      if (form.dataset.bound) return; form.dataset.bound = "1";
      form.addEventListener("submit", (e) => { e.preventDefault(); submitApi(form, false); });
    });
    root.querySelectorAll("button[data-api]").forEach(button => {
      if (button.dataset.bound) return; button.dataset.bound = "1";
      button.addEventListener("click", () => clickApi(button));
    });
    root.querySelectorAll("[data-src]").forEach(el => {
      if (el.dataset.bound) return; el.dataset.bound = "1";
      load(el);
      const every = parseInt(el.dataset.refresh || "0", 10);
      if (every > 0) setInterval(() => load(el), every * 1000);
    });
    root.querySelectorAll("button[data-then-stream]:not([data-api])").forEach(button => {
      if (button.dataset.bound) return; button.dataset.bound = "1";
      button.addEventListener("click", () => restartStream(button.dataset.thenStream));
    });
    root.querySelectorAll("[data-stream]").forEach(el => {
      if (el.dataset.bound) return; el.dataset.bound = "1";
      if (el.dataset.streamManual === undefined) stream(el);
    });
    root.querySelectorAll("input[data-select-all]").forEach(box => {
      if (box.dataset.bound) return; box.dataset.bound = "1";
      box.addEventListener("change", () => {
        document.querySelectorAll(`input[name="${box.dataset.selectAll}"]`).forEach(b => { b.checked = box.checked; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    enhance(document);
    const login = document.querySelector("form[data-login]");
    if (login) login.addEventListener("submit", async (e) => {
      e.preventDefault();
      const out = login.querySelector("[data-out]");
      const result = await api("POST", "/auth/login", formBody(login));
      if (result.ok) location.href = login.dataset.next || "/";
      else show(out, problemText(result), "error");
    });
    document.querySelectorAll("[data-logout]").forEach(b => b.addEventListener("click", async () => {
      await api("POST", "/auth/logout");
      location.href = "/login";
    }));
  });
  window.ponstack = { api, stream, enhance };
})();
