// GenieACS extension: tells ponstack about each inform (install: see README.md here).
// Extensions run as fully privileged Node.js modules in GenieACS's config/ext directory and are
// called from a provision script with ext("ponstack", "inform", ...) (GenieACS docs/extensions.rst).
"use strict";

const http = require("http");
const https = require("https");

const URL_ = process.env.PONSTACK_EVENTS_URL || "http://127.0.0.1:8000/acs/events";
const TOKEN = process.env.PONSTACK_EVENT_TOKEN || "";
const TIMEOUT_MS = 3000;

function inform(args, callback) {
  const [deviceId, serial, oui, productClass, event] = args;
  const body = JSON.stringify({
    informs: [{ device_id: deviceId, serial: serial, oui: oui || null,
                product_class: productClass || null, events: event ? [event] : [] }],
  });
  const target = new URL(URL_);
  const request = (target.protocol === "https:" ? https : http).request(target, {
    method: "POST",
    timeout: TIMEOUT_MS,
    headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body),
               Authorization: "Bearer " + TOKEN },
  }, (response) => {
    response.resume();
    // A failure never blocks the CPE's session: ponstack's _lastInform poll catches up.
    response.on("end", () => callback(null, response.statusCode));
  });
  request.on("timeout", () => request.destroy(new Error("ponstack did not answer in time")));
  request.on("error", (error) => callback(null, "error: " + error.message));
  request.end(body);
}

exports.inform = inform;
