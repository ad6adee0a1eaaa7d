// postsale web UI: small enhancements on top of pages that work without JavaScript.
// Every value from a request or an order is written with textContent, never innerHTML.
"use strict";

(function () {
  // The session's CSRF token, which API calls with the session cookie send in X-CSRF-Token.
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Calls the REST API with the session cookie and returns the parsed JSON, or throws an
  // Error whose message is the problem detail.
  async function callApi(method, path, body) {
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
    if (!response.ok) {
      const detail = json && json.detail ? json.detail : "HTTP " + response.status;
      throw new Error(detail);
    }
    return json;
  }
  window.postsale = { callApi: callApi, csrfToken: csrfToken };

  // Copy to Clipboard: <button data-copy-target="ID"> copies the value of element ID and
  // reports in the element named by data-copy-status.
  function setUpCopyButtons() {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", async function () {
        const source = document.getElementById(button.dataset.copyTarget);
        const status = document.getElementById(button.dataset.copyStatus || "");
        if (!source) {
          return;
        }
        let copied = false;
        try {
          await navigator.clipboard.writeText(source.value || source.textContent);
          copied = true;
        } catch (error) {
          source.select();
          copied = document.execCommand("copy");
        }
        if (status) {
          status.textContent = copied ? "Copied." : "Copy failed: select the URL and copy it.";
        }
      });
    });
  }

  // The service drop-down of the shipment form lists only the chosen carrier's services.
  function setUpServiceFilter() {
    const carrier = document.getElementById("shipment-carrier");
    const service = document.getElementById("shipment-service");
    if (!carrier || !service) {
      return;
    }
    function filter() {
      let selectedHidden = false;
      service.querySelectorAll("option[data-carrier]").forEach(function (option) {
        const hide = carrier.value !== "" && option.dataset.carrier !== carrier.value;
        option.hidden = hide;
        option.disabled = hide;
        if (hide && option.selected) {
          selectedHidden = true;
        }
      });
      if (selectedHidden) {
        service.value = "";
      }
    }
    carrier.addEventListener("change", filter);
    filter();
  }

  // Replay all failed: replays the listed requests in small batches through the API and
  // shows the count after each batch. Without JavaScript the form posts and the server
  // replays them in one go.
  function setUpReplayFailed() {
    const form = document.getElementById("replay-failed-form");
    const progress = document.getElementById("replay-progress");
    if (!form || !progress) {
      return;
    }
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      const storeId = form.dataset.storeId;
      const ids = (form.dataset.failedIds || "")
        .split(",")
        .filter(function (id) { return id !== ""; })
        .map(Number);
      const batchSize = 10;
      const totals = { replayed: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
      function show(prefix) {
        progress.textContent =
          prefix + " " + totals.replayed + " of " + ids.length + " replayed: " +
          totals.created + " created, " + totals.updated + " updated, " +
          totals.unchanged + " unchanged, " + totals.skipped + " skipped, " +
          totals.failed + " failed.";
      }
      button.disabled = true;
      show("Replaying:");
      try {
        for (let start = 0; start < ids.length; start += batchSize) {
          const batch = ids.slice(start, start + batchSize);
          const report = await callApi("POST", "/api/v1/stores/" + storeId + "/replay", {
            request_ids: batch,
          });
          Object.keys(totals).forEach(function (key) {
            totals[key] += report[key] || 0;
          });
          show("Replaying:");
        }
        show("Done:");
        const reload = document.getElementById("replay-reload");
        if (reload) {
          reload.hidden = false;
        }
      } catch (error) {
        progress.textContent = "Replay stopped after " + totals.replayed + " of " + ids.length +
          ": " + error.message;
        button.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons();
    setUpServiceFilter();
    setUpReplayFailed();
  });
})();
