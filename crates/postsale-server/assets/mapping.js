// The mapping screen (wizard step 2 and the store's Map page): edits a map document in the
// page, previews it against the sample request after every change, and saves it through
// PUT /api/v1/stores/{id}/map.
//
// Captured requests are hostile: element paths, examples and preview values are written
// with textContent or as attribute values, never with innerHTML.
"use strict";

(function () {
  // How long the preview waits after the last change before it requests a new one, in ms.
  const PREVIEW_DELAY_MS = 250;
  // The maximum number of options a picker shows at once; typing narrows the list.
  const MAX_OPTIONS = 200;
  // The rule members that name where a value comes from; a rule has exactly one.
  const SOURCES = ["path", "value", "template", "first_of", "sum"];

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

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
    return { ok: response.ok, status: response.status, json: json };
  }

  function problemDetail(result) {
    if (result.json && result.json.detail) {
      return result.json.detail;
    }
    return "The server answered HTTP " + result.status + ".";
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

  function showExample(example) {
    if (example === undefined || example === null) {
      return "";
    }
    return typeof example === "string" ? example : JSON.stringify(example);
  }

  function isItemField(key) {
    return key.startsWith("items.");
  }

  function slugOf(key) {
    return key.split(".").join("-");
  }

  // ----- The map document -----

  function Draft(documentJson) {
    let parsed = null;
    if (documentJson) {
      try {
        parsed = JSON.parse(documentJson);
      } catch (error) {
        parsed = null;
      }
    }
    this.map = parsed || { version: 1, fields: {} };
    if (!this.map.fields) {
      this.map.fields = {};
    }
  }

  Draft.prototype.replace = function (map) {
    this.map = map;
    if (!this.map.fields) {
      this.map.fields = {};
    }
  };

  Draft.prototype.rule = function (key) {
    if (isItemField(key)) {
      return this.map.items && this.map.items.fields ? this.map.items.fields[key] || null : null;
    }
    return this.map.fields[key] || null;
  };

  Draft.prototype.setRule = function (key, rule) {
    if (isItemField(key)) {
      if (!this.map.items) {
        return false;
      }
      if (!this.map.items.fields) {
        this.map.items.fields = {};
      }
      if (rule) {
        this.map.items.fields[key] = rule;
      } else {
        delete this.map.items.fields[key];
      }
      return true;
    }
    if (rule) {
      this.map.fields[key] = rule;
    } else {
      delete this.map.fields[key];
    }
    return true;
  };

  Draft.prototype.itemsPath = function () {
    return this.map.items ? this.map.items.path || "" : "";
  };

  Draft.prototype.setItemsPath = function (path) {
    if (!path) {
      delete this.map.items;
      return;
    }
    if (!this.map.items) {
      this.map.items = { path: path, fields: {} };
    } else {
      this.map.items.path = path;
    }
  };

  Draft.prototype.countRules = function () {
    const top = Object.keys(this.map.fields).length;
    const items = this.map.items && this.map.items.fields
      ? Object.keys(this.map.items.fields).length
      : 0;
    return top + items;
  };

  function sourceOf(rule) {
    if (!rule) {
      return null;
    }
    return SOURCES.find(function (name) { return rule[name] !== undefined; }) || null;
  }

  // Describes a rule's source for the note under its picker.
  function describeSource(rule) {
    switch (sourceOf(rule)) {
      case "path":
        return "Element " + rule.path;
      case "sum":
        return "Sum of " + rule.sum;
      case "value":
        return "Fixed value " + JSON.stringify(rule.value);
      case "template":
        return "Template " + rule.template + " (choose an element to replace it)";
      case "first_of":
        return "First non-blank of " + rule.first_of.join(", ") +
          " (choose an element to replace it)";
      default:
        return rule ? "No source yet: choose an element or a fixed value." : "Not mapped.";
    }
  }

  // Every element a rule reads, as absolute paths, to mark them in the request panel.
  function pathsOf(rule, itemsPath) {
    if (!rule) {
      return [];
    }
    let paths = [];
    if (rule.path) {
      paths.push(rule.path);
    }
    if (rule.sum) {
      paths.push(rule.sum);
    }
    if (rule.first_of) {
      paths = paths.concat(rule.first_of);
    }
    if (typeof rule.template === "string") {
      const pattern = /\{([^}]+)\}/g;
      let match;
      while ((match = pattern.exec(rule.template)) !== null) {
        paths.push(match[1]);
      }
    }
    return paths.map(function (path) {
      return path.startsWith("@") && itemsPath ? itemsPath + path.slice(1) : path;
    });
  }

  // ----- The editor -----

  function Editor(root) {
    this.root = root;
    this.storeId = root.dataset.storeId;
    this.requestId = Number(root.dataset.requestId);
    this.mode = root.dataset.mode;
    this.next = root.dataset.next;
    this.draft = new Draft(root.dataset.map);
    this.elements = [];
    this.newPaths = new Map();
    this.used = new Set();
    this.confidence = {};
    this.previewTimer = null;
    this.previewSerial = 0;
    this.rows = Array.from(root.querySelectorAll(".field-row"));
    this.pickers = [];
    this.status = document.getElementById("map-status");

    JSON.parse(root.dataset.newElements || "[]").forEach((entry) => {
      this.newPaths.set(entry.path, entry);
    });
  }

  Editor.prototype.start = async function () {
    this.setUpCategories();
    this.rows.forEach((row) => this.setUpRow(row));
    this.setUpToolbar();
    this.setUpElementFilter();
    document.getElementById("save-map").addEventListener("click", () => this.save());
    this.renderAllRows();
    await this.loadElements();
    this.afterChange();
  };

  Editor.prototype.loadElements = async function () {
    const status = document.getElementById("elements-status");
    try {
      const result = await request("GET", "/api/v1/requests/" + this.requestId + "/elements");
      if (!result.ok) {
        status.textContent = "The elements could not be loaded: " + problemDetail(result);
        return;
      }
      this.elements = result.json.elements || [];
      this.used = new Set(
        this.elements.filter(function (item) { return item.mapped; }).map(function (item) {
          return item.path;
        })
      );
      let text = this.elements.length + " elements in this request.";
      if (result.json.truncated) {
        text += " " + result.json.truncation_notes.join(" ");
      }
      status.textContent = text;
      this.renderNewNotice();
    } catch (error) {
      status.textContent = "The elements could not be loaded: " + error.message;
    }
  };

  // ----- Categories: one open at a time -----

  Editor.prototype.setUpCategories = function () {
    const toggles = Array.from(this.root.querySelectorAll(".category-toggle"));
    const open = function (toggle, expanded) {
      toggle.setAttribute("aria-expanded", expanded ? "true" : "false");
      document.getElementById(toggle.getAttribute("aria-controls")).hidden = !expanded;
    };
    toggles.forEach(function (toggle) {
      toggle.addEventListener("click", function () {
        const expand = toggle.getAttribute("aria-expanded") !== "true";
        toggles.forEach(function (other) {
          open(other, expand && other === toggle);
        });
      });
    });
    if (toggles.length > 0) {
      open(toggles[0], true);
    }
  };

  Editor.prototype.updateCounts = function () {
    this.root.querySelectorAll(".category").forEach((section) => {
      const rows = Array.from(section.querySelectorAll(".field-row:not(.items-row)"));
      const mapped = rows.filter((row) => this.draft.rule(row.dataset.field)).length;
      const count = section.querySelector(".category-count");
      count.textContent = "(" + mapped + " of " + rows.length + " mapped)";
    });
  };

  // ----- Rows -----

  Editor.prototype.setUpRow = function (row) {
    const key = row.dataset.field;
    const input = row.querySelector(".picker-input");
    const clear = row.querySelector(".clear-source");

    row.addEventListener("focusin", () => this.setCurrentRow(row));
    this.pickers.push(new Picker(input, row.querySelector(".picker-list"), {
      options: (query) => this.optionsFor(row, query),
      choose: (option) => this.choose(row, option),
      restore: () => this.renderRow(row),
    }));
    clear.addEventListener("click", () => {
      if (key === "items") {
        this.draft.setItemsPath("");
        this.renderAllRows();
      } else {
        this.draft.setRule(key, null);
        this.renderRow(row);
      }
      delete this.confidence[key];
      this.setStatus("Cleared " + (row.dataset.label || "the lines array") + ".");
      this.afterChange();
      input.focus();
    });

    row.querySelectorAll("[data-rule]").forEach((control) => {
      const event = control.type === "checkbox" || control.tagName === "SELECT" ? "change" : "input";
      control.addEventListener(event, () => {
        this.updateConversion(row, control);
        this.afterChange();
      });
    });
  };

  Editor.prototype.setCurrentRow = function (row) {
    if (this.currentRow === row) {
      return;
    }
    if (this.currentRow) {
      this.currentRow.classList.remove("current");
    }
    this.currentRow = row;
    row.classList.add("current");
    this.renderElementList();
    this.revealCurrentSource();
  };

  // Scrolls the element list, and only the list, to the element the current field reads.
  Editor.prototype.revealCurrentSource = function () {
    const list = document.getElementById("element-list");
    const item = list.querySelector(".current-source");
    if (item) {
      list.scrollTop = item.offsetTop - list.clientHeight / 3;
    }
  };

  // The options of a row's picker for the typed text: the lines array for the items row,
  // elements inside the lines for item fields, and every scalar element for the others.
  Editor.prototype.optionsFor = function (row, query) {
    const key = row.dataset.field;
    const needle = query.trim().toLowerCase();
    const matches = function (path, example) {
      return needle === "" || path.toLowerCase().includes(needle) ||
        showExample(example).toLowerCase().includes(needle);
    };
    const options = [];

    if (key === "items") {
      this.elements.forEach((item) => {
        if (item.type === "object" && item.path.endsWith("[*]") && matches(item.path, "")) {
          options.push({ kind: "items", path: item.path, label: item.path, example: "" });
        }
      });
      return { options: options.slice(0, MAX_OPTIONS), note: options.length === 0 ? "No array of objects in this request." : "" };
    }

    const itemsPath = this.draft.itemsPath();
    if (isItemField(key) && !itemsPath) {
      return { options: [], note: "Choose where the lines come from first (the first row of Items)." };
    }
    this.elements.forEach((item) => {
      if (item.type === "object" || item.type === "array") {
        return;
      }
      let path = item.path;
      if (isItemField(key)) {
        const inside = path.startsWith(itemsPath + ".") || path.startsWith(itemsPath + "[");
        if (!inside) {
          return;
        }
        path = "@" + path.slice(itemsPath.length);
      }
      if (matches(path, item.example)) {
        options.push({
          kind: "path",
          path: path,
          absolute: item.path,
          label: path,
          example: showExample(item.example),
          isNew: this.newPaths.has(item.path),
          mapped: this.used.has(item.path),
        });
      }
    });
    const shown = options.slice(0, MAX_OPTIONS);
    if (query.trim() !== "") {
      shown.push({ kind: "value", value: query.trim(), label: "Use the fixed value \"" + query.trim() + "\"" });
    }
    let note = "";
    if (options.length > MAX_OPTIONS) {
      note = "Showing " + MAX_OPTIONS + " of " + options.length + " elements; type to narrow.";
    } else if (options.length === 0 && query.trim() === "") {
      note = "No element to choose; type a fixed value.";
    }
    return { options: shown, note: note };
  };

  Editor.prototype.choose = function (row, option) {
    const key = row.dataset.field;
    delete this.confidence[key];
    if (option.kind === "items") {
      this.draft.setItemsPath(option.path);
      this.renderAllRows();
      this.setStatus("Lines come from " + option.path + ".");
      this.afterChange();
      return;
    }
    const rule = Object.assign({}, this.draft.rule(key) || {});
    SOURCES.forEach(function (name) { delete rule[name]; });
    if (option.kind === "value") {
      rule.value = option.value;
    } else {
      const sumBox = row.querySelector('[data-rule="sum"]');
      if (sumBox && sumBox.checked && option.path.includes("[*]")) {
        rule.sum = option.path;
      } else {
        rule.path = option.path;
      }
    }
    this.draft.setRule(key, rule);
    this.renderRow(row);
    this.setStatus(row.dataset.label + ": " + describeSource(rule) + ".");
    this.afterChange();
    this.revealCurrentSource();
  };

  Editor.prototype.updateConversion = function (row, control) {
    const key = row.dataset.field;
    const member = control.dataset.rule;
    const current = this.draft.rule(key);
    const rule = Object.assign({}, current || {});

    if (member === "sum") {
      const from = rule.sum || rule.path;
      delete rule.sum;
      delete rule.path;
      if (from) {
        if (control.checked && from.includes("[*]")) {
          rule.sum = from;
        } else {
          rule.path = from;
        }
      }
    } else {
      const value = readControl(control);
      if (value === undefined) {
        delete rule[member];
      } else {
        rule[member] = value;
      }
    }

    const empty = Object.keys(rule).length === 0;
    if (!this.draft.setRule(key, empty ? null : rule)) {
      this.showRowError(row, "Choose where the lines come from first (the first row of Items).");
      return;
    }
    this.renderConversionCount(row);
    this.renderSourceNote(row);
  };

  // Reads a conversion control into the value its rule member takes, or undefined when blank.
  function readControl(control) {
    const type = control.dataset.type;
    if (type === "bool") {
      return control.checked ? true : undefined;
    }
    const text = control.value;
    if (text.trim() === "") {
      return undefined;
    }
    if (type === "list") {
      const items = text.split(",").map(function (item) { return item.trim(); }).filter(Boolean);
      return items.length ? items : undefined;
    }
    if (type === "number") {
      return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim();
    }
    if (type === "value_map") {
      const map = {};
      text.split("\n").forEach(function (line) {
        const at = line.indexOf("=");
        if (at < 0) {
          if (line.trim() !== "") {
            map[line.trim()] = "";
          }
          return;
        }
        map[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      });
      return Object.keys(map).length ? map : undefined;
    }
    return text;
  }

  function writeControl(control, value) {
    const type = control.dataset.type;
    if (type === "bool") {
      control.checked = value === true;
      return;
    }
    if (value === undefined || value === null) {
      control.value = "";
    } else if (type === "list") {
      control.value = value.join(", ");
    } else if (type === "value_map") {
      control.value = Object.keys(value).map(function (from) {
        return from + " = " + value[from];
      }).join("\n");
    } else {
      control.value = typeof value === "string" ? value : JSON.stringify(value);
    }
  }

  Editor.prototype.renderAllRows = function () {
    this.rows.forEach((row) => this.renderRow(row));
  };

  Editor.prototype.renderRow = function (row) {
    const key = row.dataset.field;
    const input = row.querySelector(".picker-input");
    const clear = row.querySelector(".clear-source");
    if (key === "items") {
      input.value = this.draft.itemsPath();
      clear.hidden = !this.draft.itemsPath();
      row.querySelector(".source-note").textContent = this.draft.itemsPath()
        ? "One line per entry of " + this.draft.itemsPath() + "."
        : "Not chosen: item fields cannot be mapped yet.";
      row.classList.toggle("mapped", Boolean(this.draft.itemsPath()));
      return;
    }
    const rule = this.draft.rule(key);
    const source = sourceOf(rule);
    input.value = "";
    if (source === "path") {
      input.value = rule.path;
    } else if (source === "sum") {
      input.value = rule.sum;
    }
    clear.hidden = !rule;
    row.classList.toggle("mapped", Boolean(rule));
    row.querySelectorAll("[data-rule]").forEach(function (control) {
      if (control.dataset.rule === "sum") {
        control.checked = source === "sum";
      } else {
        writeControl(control, rule ? rule[control.dataset.rule] : undefined);
      }
    });
    this.renderConversionCount(row);
    this.renderSourceNote(row);
  };

  // Shows on the closed Conversions summary how many settings the rule has.
  Editor.prototype.renderConversionCount = function (row) {
    const count = row.querySelector(".conversion-count");
    if (!count) {
      return;
    }
    const rule = this.draft.rule(row.dataset.field);
    const settings = rule
      ? Object.keys(rule).filter(function (name) { return !SOURCES.includes(name); }).length
      : 0;
    count.textContent = settings === 0 ? "" : " (" + settings + " set)";
  };

  Editor.prototype.renderSourceNote = function (row) {
    const key = row.dataset.field;
    const rule = this.draft.rule(key);
    const note = row.querySelector(".source-note");
    let text = describeSource(rule);
    const source = sourceOf(rule);
    if (source === "path") {
      const absolute = pathsOf(rule, this.draft.itemsPath())[0];
      const found = this.elements.find(function (item) { return item.path === absolute; });
      if (found && found.example !== undefined && found.example !== null) {
        text += " · example: " + showExample(found.example);
      } else if (this.elements.length > 0) {
        text += " · not in this request";
      }
    }
    if (this.confidence[key] !== undefined) {
      text += " · suggested, " + Math.round(this.confidence[key] * 100) + "% sure: check it";
    }
    note.textContent = text;
  };

  Editor.prototype.showRowError = function (row, message) {
    const slot = row.querySelector(".field-error");
    slot.textContent = message;
    slot.hidden = false;
    row.classList.add("has-error");
  };

  Editor.prototype.clearRowErrors = function () {
    this.root.querySelectorAll(".field-row .field-error").forEach(function (slot) {
      slot.textContent = "";
      slot.hidden = true;
    });
    this.rows.forEach(function (row) { row.classList.remove("has-error"); });
  };

  Editor.prototype.rowFor = function (key) {
    return this.rows.find(function (row) { return row.dataset.field === key; }) || null;
  };

  // ----- Presets and suggestions -----

  Editor.prototype.setUpToolbar = function () {
    const choice = document.getElementById("preset-choice");
    document.getElementById("apply-preset").addEventListener("click", async () => {
      const name = choice.value;
      const label = choice.selectedOptions[0].textContent.trim();
      const result = await request("GET", "/api/v1/presets/" + encodeURIComponent(name));
      if (!result.ok) {
        this.setStatus("The preset could not be loaded: " + problemDetail(result));
        return;
      }
      this.draft.replace(result.json);
      this.confidence = {};
      this.renderAllRows();
      this.setStatus("Applied the " + label + " preset: " + this.draft.countRules() +
        " fields filled. Check the preview, then save.");
      this.afterChange();
    });

    document.getElementById("suggest-map").addEventListener("click", async () => {
      const result = await request("POST", "/api/v1/stores/" + this.storeId + "/map/suggest", {
        request_id: this.requestId,
      });
      if (!result.ok) {
        this.setStatus("No suggestion: " + problemDetail(result));
        return;
      }
      const suggestion = result.json;
      this.draft.replace(suggestion.map);
      this.confidence = {};
      if (suggestion.kind === "preset") {
        this.setStatus("This request looks like " + suggestion.preset + ": applied that preset (" +
          Math.round((suggestion.score || 0) * 100) + "% of its elements found).");
      } else {
        (suggestion.fields || []).forEach((entry) => {
          if (entry.confidence !== null && entry.confidence !== undefined) {
            this.confidence[entry.field] = entry.confidence;
          }
        });
        this.setStatus("Suggested " + (suggestion.fields || []).length +
          " fields from the element names. Check each one before saving.");
      }
      this.renderAllRows();
      this.afterChange();
    });
  };

  Editor.prototype.setStatus = function (text) {
    this.status.textContent = text;
  };

  // ----- Request panel -----

  Editor.prototype.setUpElementFilter = function () {
    document.getElementById("element-filter").addEventListener("input", () => {
      this.renderElementList();
    });
  };

  Editor.prototype.renderNewNotice = function () {
    const notice = document.getElementById("new-elements-notice");
    const fresh = Array.from(this.newPaths.keys());
    document.getElementById("legend-new").hidden = fresh.length === 0;
    if (fresh.length === 0) {
      notice.hidden = true;
      return;
    }
    notice.textContent = fresh.length === 1
      ? "1 new field appeared in requests received after the map was saved and is not mapped: " + fresh[0] + "."
      : fresh.length + " new fields appeared in requests received after the map was saved and are not mapped: " + fresh.join(", ") + ".";
    notice.hidden = false;
  };

  Editor.prototype.renderElementList = function () {
    const list = document.getElementById("element-list");
    const needle = document.getElementById("element-filter").value.trim().toLowerCase();
    const current = this.currentRow
      ? new Set(pathsOf(this.draft.rule(this.currentRow.dataset.field), this.draft.itemsPath()))
      : new Set();
    list.replaceChildren();
    const shown = this.elements.concat(
      Array.from(this.newPaths.values())
        .filter((entry) => !this.elements.some((item) => item.path === entry.path))
        .map(function (entry) {
          return { path: entry.path, type: "new", example: entry.example, elsewhere: entry.request_id };
        })
    );
    shown.forEach((item) => {
      const example = showExample(item.example);
      if (needle && !item.path.toLowerCase().includes(needle) &&
          !example.toLowerCase().includes(needle)) {
        return;
      }
      const container = item.type === "object" || item.type === "array";
      const entry = element("li", "element");
      entry.appendChild(element("code", "element-path", item.path));
      if (!container) {
        const mapped = this.used.has(item.path);
        entry.classList.add(mapped ? "is-mapped" : "is-unmapped");
        entry.appendChild(element("span", "mark " + (mapped ? "mapped" : "unmapped"),
          mapped ? "Mapped" : "Not mapped"));
      }
      if (this.newPaths.has(item.path)) {
        entry.classList.add("is-new");
        entry.appendChild(element("span", "mark new", "New field"));
      }
      if (item.elsewhere) {
        entry.appendChild(element("span", "element-example", "seen in request " + item.elsewhere +
          (example ? ": " + example : "")));
      } else if (example) {
        entry.appendChild(element("span", "element-example", example));
      }
      if (current.has(item.path)) {
        entry.classList.add("current-source");
      }
      list.appendChild(entry);
    });
  };

  // ----- After every change: counts, notices, preview -----

  Editor.prototype.afterChange = function () {
    this.updateCounts();
    this.updateSaveState();
    this.updateRequiredNotice(null);
    this.renderElementList();
    window.clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(() => this.preview(), PREVIEW_DELAY_MS);
  };

  Editor.prototype.updateSaveState = function () {
    const count = this.draft.countRules();
    const save = document.getElementById("save-map");
    save.disabled = count === 0;
    document.getElementById("save-hint").textContent = count === 0
      ? "Map at least one field to save."
      : count + (count === 1 ? " field" : " fields") + " mapped.";
  };

  Editor.prototype.updateRequiredNotice = function (missingFromPreview) {
    const notice = document.getElementById("required-notice");
    const unset = [];
    if (!this.draft.rule("order.source")) {
      unset.push("order source");
    }
    if (!this.draft.rule("order.number")) {
      unset.push("order number");
    }
    const parts = [];
    if (unset.length > 0) {
      const names = unset.join(" and ");
      parts.push(names.charAt(0).toUpperCase() + names.slice(1) + (unset.length > 1 ? " are" : " is") +
        " not set yet: the webhook keeps requests but imports no order until " +
        (unset.length > 1 ? "both are" : "it is") + " mapped or set to a fixed value.");
    }
    const items = (missingFromPreview || []).filter(isItemField).map((key) => {
      const row = this.rowFor(key);
      return row ? row.dataset.label : key;
    });
    if (items.length > 0) {
      parts.push("Lines also need: " + items.join(", ") + ".");
    }
    notice.textContent = parts.join(" ");
    notice.hidden = parts.length === 0;
  };

  Editor.prototype.preview = async function () {
    const serial = ++this.previewSerial;
    const status = document.getElementById("preview-status");
    if (this.draft.countRules() === 0) {
      this.clearRowErrors();
      status.textContent = "Map a field to see the order this request becomes.";
      document.getElementById("preview-errors").replaceChildren();
      document.getElementById("preview-order").replaceChildren();
      return;
    }
    status.textContent = "Updating the preview…";
    let result;
    try {
      result = await request("POST", "/api/v1/stores/" + this.storeId + "/map/preview", {
        map: this.draft.map,
        request_id: this.requestId,
      });
    } catch (error) {
      status.textContent = "The preview could not be updated: " + error.message;
      return;
    }
    if (serial !== this.previewSerial) {
      return;
    }
    this.clearRowErrors();
    if (!result.ok) {
      this.showProblems(result);
      status.textContent = "The map has problems: " + problemDetail(result);
      document.getElementById("preview-order").replaceChildren();
      return;
    }
    this.renderPreview(result.json);
  };

  // Places a rejected map's problems (`order.status: ...`) beside their fields.
  Editor.prototype.showProblems = function (result) {
    const list = document.getElementById("preview-errors");
    list.replaceChildren();
    const problems = result.json && Array.isArray(result.json.problems)
      ? result.json.problems
      : [problemDetail(result)];
    problems.forEach((problem) => {
      const key = String(problem).split(":")[0];
      const row = this.rowFor(key);
      if (row) {
        this.showRowError(row, problem);
      }
      list.appendChild(element("li", "preview-error", problem));
    });
  };

  Editor.prototype.renderPreview = function (preview) {
    const status = document.getElementById("preview-status");
    const list = document.getElementById("preview-errors");
    list.replaceChildren();

    this.used = new Set(preview.used_elements || []);
    const byField = {};
    (preview.errors || []).forEach(function (error) {
      (byField[error.field] = byField[error.field] || []).push(error);
    });
    Object.keys(byField).forEach((key) => {
      const messages = byField[key].map(function (error) {
        const line = error.line !== null && error.line !== undefined ? "Line " + (error.line + 1) + ": " : "";
        return line + error.message + " " + error.fix;
      });
      const row = this.rowFor(key);
      if (row) {
        this.showRowError(row, messages.join(" "));
      }
      messages.forEach((message) => {
        const label = row ? row.dataset.label : key;
        list.appendChild(element("li", "preview-error", label + ": " + message));
      });
    });
    (preview.warnings || []).forEach((warning) => {
      const row = this.rowFor(warning.field);
      const label = row ? row.dataset.label : warning.field;
      list.appendChild(element("li", "preview-warning", label + ": " + warning.message));
    });

    let text;
    if (preview.thin_payload) {
      text = "This request carries only an order id (" + preview.thin_payload.id +
        "), so there is no order to preview.";
    } else if (preview.not_an_order) {
      text = "This request does not look like an order: it has no order number and no lines.";
    } else if (preview.importable) {
      const order = preview.order || {};
      text = "This request imports as order " + order.number + " from source " + order.source + ".";
    } else {
      const count = (preview.errors || []).length;
      text = "This request would not import yet: " + count + (count === 1 ? " problem" : " problems") +
        " shown beside the fields.";
    }
    if (preview.test) {
      text += " The channel marked it as a test, so it is skipped on import.";
    }
    status.textContent = text;
    this.updateRequiredNotice(preview.missing);
    this.renderElementList();
    this.rows.forEach((row) => this.renderSourceNote(row));
    // An open list shows the new mapped marks.
    this.pickers.forEach(function (picker) {
      if (picker.isOpen()) {
        picker.refresh();
      }
    });

    const holder = document.getElementById("preview-order");
    holder.replaceChildren();
    if (preview.order) {
      holder.appendChild(renderValue(preview.order, ""));
    }
  };

  // Renders a preview value as nested definition lists, skipping empty members.
  function renderValue(value, name) {
    if (Array.isArray(value)) {
      const list = element("ol", "preview-list");
      value.forEach(function (entry) {
        const item = element("li");
        item.appendChild(renderValue(entry, name));
        list.appendChild(item);
      });
      return list;
    }
    if (value !== null && typeof value === "object") {
      if (typeof value.utc === "string" && typeof value.original === "string") {
        return element("span", null, value.utc + " (sent as " + value.original + ")");
      }
      const facts = element("dl", "facts");
      Object.keys(value).forEach(function (key) {
        const member = value[key];
        if (isEmpty(member)) {
          return;
        }
        facts.appendChild(element("dt", null, key.split("_").join(" ")));
        const detail = element("dd");
        detail.appendChild(renderValue(member, key));
        facts.appendChild(detail);
      });
      return facts;
    }
    return element("span", null, String(value));
  }

  function isEmpty(value) {
    if (value === null || value === undefined || value === "") {
      return true;
    }
    if (Array.isArray(value)) {
      return value.length === 0;
    }
    if (typeof value === "object") {
      return Object.keys(value).every(function (key) { return isEmpty(value[key]); });
    }
    return false;
  }

  // ----- Saving -----

  Editor.prototype.save = async function () {
    const save = document.getElementById("save-map");
    save.disabled = true;
    this.setStatus("Saving the map…");
    let result;
    try {
      result = await request("PUT", "/api/v1/stores/" + this.storeId + "/map", this.draft.map);
    } catch (error) {
      this.setStatus("Not saved: the server could not be reached (" + error.message + ").");
      save.disabled = false;
      return;
    }
    if (!result.ok) {
      this.clearRowErrors();
      this.showProblems(result);
      this.setStatus("Not saved: " + problemDetail(result));
      save.disabled = false;
      return;
    }
    const saved = result.json;
    const state = saved.webhook_state === "active"
      ? "The webhook is active and imports orders."
      : saved.webhook_state === "capturing"
        ? "The webhook keeps capturing requests until order source and number are mapped."
        : "The webhook is " + saved.webhook_state + ".";
    if (this.mode === "wizard" && this.next) {
      this.setStatus("Saved map version " + saved.version + ". " + state + " Opening the next step…");
      window.location.assign(this.next);
      return;
    }
    this.setStatus("Saved map version " + saved.version + ". " + state);
    save.disabled = false;
  };

  // ----- The element picker: an ARIA 1.2 combobox with a list box -----

  let pickerCount = 0;

  function Picker(input, list, source) {
    this.input = input;
    this.list = list;
    this.source = source;
    this.options = [];
    this.active = -1;
    this.prefix = "option-" + pickerCount++;
    this.note = null;

    input.addEventListener("input", () => this.open());
    // Typing replaces the chosen element instead of adding to it.
    input.addEventListener("focus", () => input.select());
    input.addEventListener("keydown", (event) => this.onKey(event));
    input.addEventListener("blur", () => {
      // A click on an option lands after the blur; the option's mousedown keeps the focus.
      this.close(true);
    });
    list.addEventListener("mousedown", (event) => event.preventDefault());
  }

  Picker.prototype.isOpen = function () {
    return !this.list.hidden;
  };

  Picker.prototype.open = function () {
    const result = this.source.options(this.input.value);
    this.options = result.options;
    this.active = -1;
    this.list.replaceChildren();
    if (result.note) {
      const note = element("li", "picker-note", result.note);
      note.setAttribute("role", "presentation");
      this.list.appendChild(note);
    }
    this.options.forEach((option, index) => {
      const item = element("li", "picker-option");
      item.id = this.prefix + "-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.appendChild(element("code", "option-path", option.label));
      if (option.example) {
        item.appendChild(element("span", "option-example", option.example));
      }
      if (option.isNew) {
        item.appendChild(element("span", "mark new", "New field"));
      } else if (option.mapped) {
        item.appendChild(element("span", "mark mapped", "Mapped"));
      }
      item.addEventListener("click", () => this.pick(index));
      this.list.appendChild(item);
    });
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.input.removeAttribute("aria-activedescendant");
  };

  Picker.prototype.close = function (restore) {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    if (restore) {
      this.source.restore();
    }
  };

  // Builds the list again for the same text, keeping the marked option.
  Picker.prototype.refresh = function () {
    const kept = this.active;
    this.open();
    if (kept >= 0 && kept < this.options.length) {
      this.highlight(kept);
    }
  };

  Picker.prototype.move = function (step) {
    if (!this.isOpen()) {
      this.open();
    }
    if (this.options.length === 0) {
      return;
    }
    if (this.active < 0 && step < 0) {
      this.highlight(this.options.length - 1);
    } else {
      this.highlight((this.active + step + this.options.length) % this.options.length);
    }
  };

  // Marks option `index` as the active one, for the keyboard and for assistive technology.
  Picker.prototype.highlight = function (index) {
    this.active = index;
    this.list.querySelectorAll(".picker-option").forEach((item, position) => {
      const chosen = position === this.active;
      item.setAttribute("aria-selected", chosen ? "true" : "false");
      item.classList.toggle("active", chosen);
      if (chosen) {
        this.input.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      }
    });
  };

  Picker.prototype.pick = function (index) {
    const option = this.options[index];
    this.close(false);
    if (option) {
      this.source.choose(option);
    }
  };

  Picker.prototype.onKey = function (event) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this.move(-1);
        break;
      case "Enter":
        if (this.isOpen()) {
          event.preventDefault();
          if (this.active >= 0) {
            this.pick(this.active);
          } else if (this.options.length > 0) {
            this.pick(0);
          }
        }
        break;
      case "Escape":
        if (this.isOpen()) {
          event.preventDefault();
          this.close(true);
        }
        break;
      default:
        break;
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    const root = document.getElementById("map-editor");
    if (root) {
      new Editor(root).start();
    }
  });
})();
