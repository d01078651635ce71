// GenieACS extension: tells ponstack about each inform (install: see README.md here).
// Extensions run as fully privileged Node.js modules in GenieACS's config/ext directory and are
// called from a provision script with ext("ponstack", "inform", ...) (GenieACS docs/extensions.rst).
//
// Informs are buffered and sent in batches (at most BATCH per request, at least every FLUSH_MS):
// one HTTP request per inform costs ponstack's API far more than the inform itself, and a batch
// of 100 is ingested about ten times faster. The provision never waits for ponstack.
"use strict";

const http = require("http");
const https = require("https");

const URL_ = process.env.PONSTACK_EVENTS_URL || "http://127.0.0.1:8000/acs/events";
const TOKEN = process.env.PONSTACK_EVENT_TOKEN || "";
const TIMEOUT_MS = 3000;
const BATCH = 100;
const FLUSH_MS = 250;
const MAX_BUFFERED = 10000; // beyond this, informs are dropped: ponstack's _lastInform poll catches up

let buffer = [];
let timer = null;

function send(informs) {
  const body = JSON.stringify({ informs: informs });
  const target = new URL(URL_);
  const request = (target.protocol === "https:" ? https : http).request(target, {
    method: "POST",
    timeout: TIMEOUT_MS,
    headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body),
               Authorization: "Bearer " + TOKEN },
  }, (response) => response.resume());
  request.on("timeout", () => request.destroy(new Error("ponstack did not answer in time")));
  request.on("error", () => {}); // lost informs are found again by the _lastInform poll
  request.end(body);
}

function flush() {
  timer = null;
  while (buffer.length) send(buffer.splice(0, BATCH));
}

function inform(args, callback) {
  const [deviceId, serial, oui, productClass, event] = args;
  if (buffer.length < MAX_BUFFERED) {
    buffer.push({ device_id: deviceId, serial: serial, oui: oui || null, product_class: productClass || null,
                  events: event ? [event] : [], at: new Date().toISOString() });
  }
  if (buffer.length >= BATCH) flush();
  else if (!timer) timer = setTimeout(flush, FLUSH_MS);
  callback(null, "queued");
}

exports.inform = inform;
