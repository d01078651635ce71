// ponstack console: light progressive enhancement, no framework.
//  - form[data-api]: sends the form as JSON to the API (with the session's CSRF header);
//    data-preview: first sends it with dry_run, shows the plan, then asks to confirm;
//    data-follow: streams the queued job's progress; data-reload / data-redirect after success.
//  - button[data-api]: the same for one button (data-body: JSON), data-confirm asks first.
//  - [data-src]: loads an HTML fragment into the element (data-refresh: every N seconds).
//  - [data-stream]: an EventSource whose messages replace the element's content.
//  - form[data-login], [data-logout], input[data-select-all].
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function api(method, url, body) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": csrf() };
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
      if (Array.isArray(d.errors)) text += ": " + d.errors.map(e => (e.field ? e.field + ": " : "") + (e.message || e.msg || "")).join("; ");
      if (d.device_output) text += "\n" + d.device_output;
      return `${result.status}: ${text}`;
    }
    return `${result.status}: ${d || "request failed"}`;
  }

  function valueOf(field) {
    const type = field.dataset.type || "";
    if (field.type === "checkbox") return type === "list" ? null : field.checked;
    const raw = field.value;
    if (raw === "" && !field.hasAttribute("data-keep-empty")) return undefined;
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
        if (!field.checked) continue;
        const v = /^\d+$/.test(field.value) ? parseInt(field.value, 10) : field.value;
        (body[field.name] = body[field.name] || []).push(v);
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

  function renderPlan(plan) {
    const wrap = document.createElement("div");
    wrap.className = "plan";
    const title = document.createElement("p");
    title.textContent = plan.note || "This is what will be sent:";
    wrap.appendChild(title);
    const pre = document.createElement("pre");
    pre.setAttribute("data-plan", "");
    pre.textContent = (plan.commands || plan.parameters || [JSON.stringify(plan, null, 2)])
      .map(c => typeof c === "string" ? c : JSON.stringify(c)).join("\n");
    wrap.appendChild(pre);
    return wrap;
  }

  function follow(jobId, out) {
    if (!out) return;
    const box = document.createElement("div");
    box.setAttribute("data-job-progress", jobId);
    box.textContent = `Job ${jobId} queued…`;
    out.appendChild(box);
    stream(box, `/console/jobs/${jobId}/stream`);
  }

  function stream(el, url) {
    const source = new EventSource(url);
    source.onmessage = (event) => { el.innerHTML = event.data; };
    source.addEventListener("done", (event) => { el.innerHTML = event.data; source.close();
      el.dispatchEvent(new CustomEvent("stream-done", { bubbles: true })); });
    source.onerror = () => { source.close(); };
  }

  async function afterSuccess(el, result, out) {
    const data = result.data || {};
    if (el.dataset.follow !== undefined && data.job_id) follow(data.job_id, out);
    if (el.dataset.redirect) {
      location.href = el.dataset.redirect.replace("{id}", data.id || data.job_id || "");
    } else if (el.dataset.reload !== undefined) {
      location.reload();
    }
  }

  async function submitApi(form, confirmed) {
    const out = outFor(form);
    const method = (form.dataset.method || "POST").toUpperCase();
    let body;
    try { body = formBody(form); } catch (e) { show(out, "invalid value: " + e.message, "error"); return; }
    const previewing = form.dataset.preview !== undefined && !confirmed;
    if (previewing) body.dry_run = true;
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    show(out, previewing ? "Preparing the preview…" : "Sending…");
    try {
      const result = await api(method, form.dataset.api, method === "GET" ? undefined : body);
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
    } finally { if (button) button.disabled = false; }
  }

  async function clickApi(button) {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const out = outFor(button);
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : undefined;
    button.disabled = true;
    show(out, "Sending…");
    try {
      const result = await api((button.dataset.method || "POST").toUpperCase(), button.dataset.api, body);
      if (!result.ok) { show(out, problemText(result), "error"); return; }
      show(out, button.dataset.okText || "Done.", "ok");
      await afterSuccess(button, result, out);
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
    root.querySelectorAll("[data-stream]").forEach(el => {
      if (el.dataset.bound) return; el.dataset.bound = "1";
      stream(el, el.dataset.stream);
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
