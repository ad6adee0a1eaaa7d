// Wizard step 1 and the store's Security page: edits the webhook's security checks and saves
// them through PATCH /api/v1/stores/{id}/webhook, and polls the requests API every second to
// show each request as it arrives.
//
// Captured requests are hostile: every value from them is written with textContent or as an
// attribute value, never with innerHTML.
"use strict";

(function () {
  // How often the request panel requests the list of new requests, in milliseconds.
  const POLL_INTERVAL_MS = 1000;
  // The largest body shown in full; larger ones are cut, with a link to download them.
  const MAX_SHOWN_BODY_CHARS = 1000000;
  // How many rejected attempts the panel lists, newest first.
  const MAX_REJECTED_SHOWN = 10;

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Calls the REST API with the session cookie. Resolves to {ok, status, json, text}; the
  // caller reads problem details (detail, field) from json.
  async function request(method, path, body) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (error) {
      json = null;
    }
    return { ok: response.ok, status: response.status, json: json, text: text };
  }

  function problemDetail(result) {
    if (result.json && result.json.detail) {
      return result.json.detail;
    }
    return "The server answered HTTP " + result.status + ".";
  }

  // Formats an RFC 3339 instant as `2025-01-24 04:10:16 UTC`, as the server-rendered pages do.
  function formatTime(text) {
    const instant = new Date(text);
    if (Number.isNaN(instant.getTime())) {
      return text;
    }
    return instant.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  // Re-indents JSON text without parsing its values, so that numbers keep their exact tokens
  // (ids above 2^53, money such as 10.10) and strings their escapes.
  function prettyJson(text) {
    const out = [];
    let depth = 0;
    let inString = false;
    let escaped = false;
    const newline = function () {
      out.push("\n" + "  ".repeat(depth));
    };
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        out.push(c);
        if (escaped) {
          escaped = false;
        } else if (c === "\\") {
          escaped = true;
        } else if (c === '"') {
          inString = false;
        }
        continue;
      }
      if (c === '"') {
        inString = true;
        out.push(c);
      } else if (c === "{" || c === "[") {
        const close = c === "{" ? "}" : "]";
        let next = i + 1;
        while (next < text.length && " \t\r\n".includes(text[next])) {
          next++;
        }
        if (text[next] === close) {
          out.push(c + close);
          i = next;
        } else {
          depth++;
          out.push(c);
          newline();
        }
      } else if (c === "}" || c === "]") {
        depth = Math.max(0, depth - 1);
        newline();
        out.push(c);
      } else if (c === ",") {
        out.push(",");
        newline();
      } else if (c === ":") {
        out.push(": ");
      } else if (!" \t\r\n".includes(c)) {
        out.push(c);
      }
    }
    return out.join("");
  }

  // ----- Security checks -----

  function setUpSecurity(form) {
    const checks = document.getElementById("checks");
    const typeSelect = document.getElementById("security-type");
    const addButton = document.getElementById("add-check");
    const status = document.getElementById("security-status");
    const noChecks = document.getElementById("no-checks");
    let nextSlot = 0;

    function updateEmptyNote() {
      noChecks.hidden = checks.querySelector(".check-card") !== null;
    }

    checks.querySelectorAll(".check-card").forEach(function (card) {
      wireCard(card, updateEmptyNote);
    });

    addButton.addEventListener("click", function () {
      const template = document.getElementById("check-template-" + typeSelect.value);
      const fragment = template.content.cloneNode(true);
      const slot = "new" + nextSlot++;
      fragment.querySelectorAll("*").forEach(function (node) {
        ["id", "for", "aria-describedby", "aria-controls"].forEach(function (name) {
          const value = node.getAttribute(name);
          if (value && value.includes("__N__")) {
            node.setAttribute(name, value.split("__N__").join(slot));
          }
        });
      });
      const card = fragment.querySelector(".check-card");
      checks.appendChild(fragment);
      wireCard(card, updateEmptyNote);
      updateEmptyNote();
      const first = card.querySelector("input, select, textarea");
      if (first) {
        first.focus();
      }
    });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      clearErrors(form);
      const cards = Array.from(checks.querySelectorAll(".check-card"));
      const built = buildSecurity(cards);
      if (built.error) {
        showCardError(built.error.card, built.error.field, built.error.message);
        status.textContent = built.error.message;
        return;
      }
      const saveButton = document.getElementById("save-security");
      saveButton.disabled = true;
      status.textContent = "Saving…";
      try {
        const result = await request(
          "PATCH",
          "/api/v1/stores/" + form.dataset.storeId + "/webhook",
          { security: built.security }
        );
        if (!result.ok) {
          showServerError(cards, result);
          status.textContent = "Not saved: " + problemDetail(result);
          return;
        }
        applySaved(cards, result.json.security.checks || []);
        status.textContent = "Security saved: " + describeChecks(cards) + ".";
      } catch (error) {
        status.textContent = "Not saved: the server could not be reached (" + error.message + ").";
      } finally {
        saveButton.disabled = false;
      }
    });
  }

  function wireCard(card, onRemove) {
    card.querySelector(".remove-check").addEventListener("click", function () {
      card.remove();
      onRemove();
      document.getElementById("security-type").focus();
    });
    const preset = card.querySelector(".hmac-preset");
    if (!preset) {
      return;
    }
    let previousHeader = preset.selectedOptions[0].dataset.header;
    preset.addEventListener("change", function () {
      const option = preset.selectedOptions[0];
      const header = field(card, "header");
      // A header the user typed stays; one that came from the old preset follows the new.
      if (header.value === "" || header.value === previousHeader) {
        header.value = option.dataset.header;
      }
      previousHeader = option.dataset.header;
      card.querySelector(".preset-hint").textContent = option.dataset.hint;
      card.querySelector(".custom-only").hidden = preset.value !== "custom";
    });
  }

  function field(card, name) {
    return card.querySelector('[data-field="' + name + '"]');
  }

  function stored(card) {
    return card.dataset.stored ? JSON.parse(card.dataset.stored) : null;
  }

  // Builds the security document from the cards, or returns the first error found before
  // sending. A blank secret keeps the stored one only while the card still sits at the
  // position among its type where the server looks for it.
  function buildSecurity(cards) {
    const seen = {};
    const list = [];
    for (const card of cards) {
      const type = card.dataset.type;
      const position = seen[type] || 0;
      seen[type] = position + 1;
      const keeps = card.dataset.ordinal !== undefined && Number(card.dataset.ordinal) === position;
      const built = buildCheck(card, type, keeps);
      if (built.error) {
        return { error: Object.assign({ card: card }, built.error) };
      }
      list.push(built.check);
    }
    if (list.length === 0) {
      return {
        error: { card: null, field: null, message: "Add at least one check before saving." },
      };
    }
    return { security: { checks: list } };
  }

  function requireSecret(card, name, keeps, label) {
    const value = field(card, name).value;
    if (value === "" && !keeps) {
      return { field: name, message: "Enter the " + label + " of this " + card.querySelector("legend").textContent + " check." };
    }
    return null;
  }

  function buildCheck(card, type, keeps) {
    const old = stored(card);
    if (type === "basic_auth") {
      const missing = requireSecret(card, "password", keeps, "password");
      if (missing) {
        return { error: missing };
      }
      return {
        check: {
          type: type,
          username: field(card, "username").value.trim(),
          password: field(card, "password").value,
        },
      };
    }
    if (type === "header_value") {
      const missing = requireSecret(card, "value", keeps, "header value");
      if (missing) {
        return { error: missing };
      }
      return {
        check: {
          type: type,
          header: field(card, "header").value.trim(),
          value: field(card, "value").value,
        },
      };
    }
    if (type === "ip_allow_list") {
      const allow = field(card, "allow")
        .value.split(/[\s,]+/)
        .map(function (item) { return item.trim(); })
        .filter(function (item) { return item !== ""; });
      return { check: { type: type, allow: allow } };
    }
    return buildHmac(card, old, keeps);
  }

  // The settings a stored HMAC check keeps when its preset is unchanged, so that saving the
  // form does not reset what was set through the API.
  const KEPT_HMAC_SETTINGS = [
    "algorithm", "encoding", "prefix", "signed_content", "id_header", "timestamp_header",
    "key_encoding", "tolerance_secs", "signed_content_encoding",
  ];

  function buildHmac(card, old, keeps) {
    const preset = field(card, "preset").value;
    const check = { type: "hmac", preset: preset };
    if (old && old.preset === preset) {
      KEPT_HMAC_SETTINGS.forEach(function (name) {
        if (name in old) {
          check[name] = old[name];
        }
      });
    }
    check.header = field(card, "header").value.trim();
    if (preset === "custom") {
      check.algorithm = field(card, "algorithm").value;
      check.encoding = field(card, "encoding").value;
      const prefix = field(card, "prefix").value.trim();
      check.prefix = prefix === "" ? null : prefix;
    }

    const oldSecrets = old && Array.isArray(old.secrets) ? old.secrets : [];
    const first = field(card, "secrets[0].value").value;
    if (first === "" && !(keeps && oldSecrets.length > 0)) {
      return { error: { field: "secrets[0].value", message: "Enter the HMAC secret key." } };
    }
    const secrets = [secretEntry(first, oldSecrets[0])];
    const second = field(card, "secrets[1].value").value;
    const dropSecond = card.querySelector(".drop-second");
    const keepSecond = keeps && oldSecrets.length > 1 && !(dropSecond && dropSecond.checked);
    if (second !== "" || keepSecond) {
      secrets.push(secretEntry(second, oldSecrets[1]));
    }
    check.secrets = secrets;
    return { check: check };
  }

  // One HMAC secret: a typed value, or "" to keep the stored one with its validity window.
  function secretEntry(typed, old) {
    if (typed !== "" || !old) {
      return { value: typed };
    }
    const entry = { value: "" };
    if (old.valid_from) {
      entry.valid_from = old.valid_from;
    }
    if (old.valid_until) {
      entry.valid_until = old.valid_until;
    }
    return entry;
  }

  function clearErrors(form) {
    form.querySelectorAll(".check-error").forEach(function (node) {
      node.hidden = true;
      node.textContent = "";
    });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (node) {
      node.removeAttribute("aria-invalid");
    });
  }

  function showCardError(card, name, message) {
    if (!card) {
      document.getElementById("security-type").focus();
      return;
    }
    const note = card.querySelector(".check-error");
    note.textContent = message;
    note.hidden = false;
    const input = name ? field(card, name) : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  // Places a 422 problem beside the field it names, such as
  // `security.checks[1].secrets[0].value`.
  function showServerError(cards, result) {
    const path = result.json && result.json.field ? result.json.field : "";
    const match = /^security\.checks\[(\d+)\]\.?(.*)$/.exec(path);
    if (!match) {
      return;
    }
    const card = cards[Number(match[1])];
    const name = match[2] === "secrets" ? "secrets[0].value" : match[2];
    showCardError(card, name, problemDetail(result));
  }

  // After a save, each card contains the saved (masked) check: its secrets are cleared and the
  // masked forms shown, and its position becomes the one the server keeps secrets by.
  function applySaved(cards, savedChecks) {
    const seen = {};
    cards.forEach(function (card, index) {
      const saved = savedChecks[index];
      if (!saved) {
        return;
      }
      const type = card.dataset.type;
      card.dataset.ordinal = String(seen[type] || 0);
      seen[type] = (seen[type] || 0) + 1;
      card.dataset.stored = JSON.stringify(saved);
      const masked = maskedSecrets(saved);
      card.querySelectorAll(".secret-field").forEach(function (wrapper) {
        const input = wrapper.querySelector("input");
        const hint = wrapper.querySelector(".stored-secret");
        input.value = "";
        hint.textContent = "";
        const shown = masked[input.dataset.field];
        if (shown) {
          hint.append("Stored: ", element("code", null, shown), ". Leave blank to keep it.");
        } else {
          hint.textContent = "Nothing stored yet.";
        }
      });
    });
  }

  function maskedSecrets(check) {
    const masked = {};
    if (check.password) {
      masked.password = check.password;
    }
    if (check.value) {
      masked.value = check.value;
    }
    (check.secrets || []).forEach(function (secret, index) {
      masked["secrets[" + index + "].value"] = secret.value;
    });
    return masked;
  }

  function describeChecks(cards) {
    return cards
      .map(function (card) {
        const label = card.querySelector("legend").textContent;
        const preset = card.querySelector(".hmac-preset");
        return preset ? label + " (" + preset.selectedOptions[0].textContent.trim() + ")" : label;
      })
      .join(", ");
  }

  // ----- Requests panel -----

  function setUpRequests(panel) {
    const storeId = panel.dataset.storeId;
    const waiting = document.getElementById("waiting");
    const waitingText = document.getElementById("waiting-text");
    const view = document.getElementById("request-view");
    const choice = document.getElementById("request-choice");
    const pollError = document.getElementById("poll-error");
    const next = document.getElementById("next-step");
    const requestsById = new Map();
    let shownId = null;
    let chosenByUser = false;

    setUpTabs();

    choice.addEventListener("change", function () {
      chosenByUser = true;
      show(requestsById.get(Number(choice.value)));
    });
    if (next) {
      next.addEventListener("click", function () {
        const sample = sampleFor(Number(choice.value));
        if (sample) {
          window.location.assign(next.dataset.next + "?request=" + sample.id);
        }
      });
    }

    // The request Next maps: the one shown when it is JSON, or else the newest JSON one.
    function sampleFor(id) {
      const shown = requestsById.get(id);
      if (shown && shown.body_kind === "json") {
        return shown;
      }
      return Array.from(requestsById.values()).find(function (item) {
        return item.body_kind === "json";
      });
    }

    async function poll() {
      try {
        const result = await request(
          "GET",
          "/api/v1/stores/" + storeId + "/requests?limit=25"
        );
        if (result.ok) {
          pollError.hidden = true;
          update(result.json.items || []);
        } else {
          pollError.textContent = "Cannot load the requests: " + problemDetail(result);
          pollError.hidden = false;
        }
      } catch (error) {
        pollError.textContent = "Cannot reach the server; trying again every second.";
        pollError.hidden = false;
      }
      window.setTimeout(poll, POLL_INTERVAL_MS);
    }

    function update(items) {
      const accepted = items.filter(function (item) { return item.accepted; });
      const rejected = items.filter(function (item) { return !item.accepted; });
      renderRejected(rejected);

      let added = false;
      accepted.forEach(function (item) {
        if (!requestsById.has(item.id)) {
          added = true;
        }
        requestsById.set(item.id, item);
      });
      if (accepted.length === 0) {
        return;
      }
      waiting.classList.add("arrived");
      if (added) {
        renderChoices(accepted);
        waitingText.textContent = accepted.length === 1
          ? "A request arrived at " + formatTime(accepted[0].received_at) + "."
          : accepted.length + " requests arrived; the newest at " +
            formatTime(accepted[0].received_at) + ".";
      }
      const newest = accepted[0];
      if (!chosenByUser && shownId !== newest.id) {
        choice.value = String(newest.id);
        show(newest);
      }
      if (next) {
        const sample = sampleFor(Number(choice.value));
        next.disabled = !sample;
        document.getElementById("next-hint").textContent = sample
          ? "The mapping screen uses request " + sample.id + " as its sample."
          : "This request has no JSON order: send a test order to continue.";
      }
    }

    function renderChoices(accepted) {
      const selected = choice.value;
      choice.replaceChildren();
      accepted.forEach(function (item) {
        const label = "#" + item.id + " · " + formatTime(item.received_at) + " · " +
          item.body_kind + " · " + item.body_size + " bytes";
        const option = element("option", null, label);
        option.value = String(item.id);
        choice.appendChild(option);
      });
      if (selected && requestsById.has(Number(selected))) {
        choice.value = selected;
      }
    }

    async function show(item) {
      if (!item) {
        return;
      }
      shownId = item.id;
      view.hidden = false;
      document.getElementById("request-summary").textContent =
        item.method + " " + item.path + " · received " + formatTime(item.received_at) +
        " from " + item.remote_address + " · answered " + item.status_code;
      renderHeaders(item.headers || []);

      const note = document.getElementById("request-note");
      note.hidden = true;
      if (item.body_kind !== "json") {
        note.textContent = kindNote(item);
        note.hidden = false;
      } else if (item.diagnosis) {
        note.textContent = item.diagnosis;
        note.hidden = false;
      }

      const json = document.getElementById("body-json");
      const raw = document.getElementById("body-raw");
      json.textContent = "Loading…";
      raw.textContent = "Loading…";
      const response = await fetch("/api/v1/requests/" + item.id + "/body", {
        credentials: "same-origin",
      });
      if (shownId !== item.id) {
        return;
      }
      if (!response.ok) {
        json.textContent = "The body could not be loaded (HTTP " + response.status + ").";
        raw.textContent = json.textContent;
        return;
      }
      const encoding = headerValue(item.headers || [], "content-encoding");
      let bytes = await response.arrayBuffer();
      let decodeNote = "";
      try {
        bytes = await decompress(bytes, encoding);
        if (encoding && encoding !== "identity") {
          decodeNote = "Sent with Content-Encoding " + encoding + "; shown decompressed.\n\n";
        }
      } catch (error) {
        decodeNote = "Sent with Content-Encoding " + encoding +
          ", which could not be undone here; shown as received.\n\n";
      }
      if (shownId !== item.id) {
        return;
      }
      const text = new TextDecoder("utf-8").decode(bytes);
      const cut = text.length > MAX_SHOWN_BODY_CHARS;
      const shown = cut ? text.slice(0, MAX_SHOWN_BODY_CHARS) : text;
      raw.textContent = decodeNote + shown +
        (cut ? "\n… (cut: download the whole body from the request log)" : "");
      if (item.body_kind === "json" && !cut) {
        json.textContent = prettyJson(text);
      } else if (item.body_kind === "json") {
        json.textContent = "The body is too large to format here; the Raw view shows its start.";
      } else {
        json.textContent = "This body is not JSON; the Raw view shows it as received.";
      }
    }

    function headerValue(headers, name) {
      const pair = headers.find(function (entry) {
        return String(entry[0]).toLowerCase() === name;
      });
      return pair ? String(pair[1]).trim().toLowerCase() : "";
    }

    // Undoes gzip or deflate as the browser's DecompressionStream can; other encodings are
    // left as they are.
    async function decompress(bytes, encoding) {
      const formats = { "gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate" };
      const format = formats[encoding];
      if (!format || typeof DecompressionStream === "undefined") {
        return bytes;
      }
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
      return new Response(stream).arrayBuffer();
    }

    function kindNote(item) {
      switch (item.body_kind) {
        case "ping":
          return "This is the sales channel's test ping. It has no order: send a test order.";
        case "empty":
          return "This request has an empty body. Send a test order.";
        case "malformed_json":
          return "This body is not valid JSON, so it cannot be mapped.";
        default:
          return "This body is " + item.body_kind + ", not JSON, so it cannot be mapped.";
      }
    }

    function renderHeaders(headers) {
      const body = document.querySelector("#headers-table tbody");
      body.replaceChildren();
      headers.forEach(function (pair) {
        const row = element("tr");
        const name = element("th", null, pair[0]);
        name.scope = "row";
        row.appendChild(name);
        row.appendChild(element("td", null, pair[1]));
        body.appendChild(row);
      });
    }

    function renderRejected(rejected) {
      const section = document.getElementById("rejected-section");
      const list = document.getElementById("rejected-list");
      section.hidden = rejected.length === 0;
      list.replaceChildren();
      rejected.slice(0, MAX_REJECTED_SHOWN).forEach(function (item) {
        const entry = element("li", "rejected");
        const title = element("p", "rejected-title");
        title.appendChild(element("span", "badge rejected", String(item.status_code)));
        title.append(" " + formatTime(item.received_at) + " from " + item.remote_address +
          (item.reason ? " · " + item.reason : ""));
        entry.appendChild(title);
        if (item.diagnosis) {
          entry.appendChild(element("p", "diagnosis", item.diagnosis));
        }
        list.appendChild(entry);
      });
    }

    poll();
  }

  // Tabs of the request view: arrow keys move between tabs, as the ARIA tab pattern has it.
  function setUpTabs() {
    const tabs = Array.from(document.querySelectorAll('.view-tabs [role="tab"]'));
    function select(tab) {
      tabs.forEach(function (other) {
        const chosen = other === tab;
        other.setAttribute("aria-selected", chosen ? "true" : "false");
        other.tabIndex = chosen ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).hidden = !chosen;
      });
    }
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () {
        select(tab);
      });
      tab.addEventListener("keydown", function (event) {
        let target = null;
        if (event.key === "ArrowRight") {
          target = tabs[(index + 1) % tabs.length];
        } else if (event.key === "ArrowLeft") {
          target = tabs[(index + tabs.length - 1) % tabs.length];
        }
        if (target) {
          event.preventDefault();
          select(target);
          target.focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("security-form");
    if (form) {
      setUpSecurity(form);
    }
    const panel = document.getElementById("requests-panel");
    if (panel) {
      setUpRequests(panel);
    }
  });
})();
