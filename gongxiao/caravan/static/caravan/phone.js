/* The crew's phone: today's trip, stops, sell, buy, deliver, services, close the stop, end the trip.
 *
 * Works without signal. The day's data (trips, the truck's stock, pre-orders, members of the villages)
 * is kept in IndexedDB; every entry the crew makes is stored there first, under a UUID made here, and
 * sent to the server when the phone is online. The server stores the UUID, so an entry sent twice
 * (the answer was lost on a bad line) is applied once. Refused entries keep the server's message and
 * stay on the phone until the crew sends them again or discards them. Plain JS, no package.
 */
(function () {
  "use strict";

  var T = JSON.parse(document.getElementById("phone-texts").textContent);
  var C = JSON.parse(document.getElementById("phone-config").textContent);
  var app = document.getElementById("app");

  // ------------------------------------------------------------------ small helpers

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var children = Array.prototype.slice.call(arguments, 2);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    children.forEach(function append(child) {
      if (child === null || child === undefined || child === false) return;
      if (Array.isArray(child)) child.forEach(append);
      else node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  function field(label, input, testid) {
    var id = input.id || ("f-" + Math.random().toString(36).slice(2));
    input.id = id;
    if (testid) input.setAttribute("data-testid", testid);
    if (!input.className) input.className = input.tagName === "SELECT" ? "form-select" : "form-control";
    return el("div", { class: "mb-2" }, el("label", { class: "form-label mb-1", for: id, text: label }), input);
  }

  function select(options, value) {
    var node = el("select", { class: "form-select" });
    options.forEach(function (option) {
      var o = el("option", { value: option[0], text: option[1] });
      if (String(option[0]) === String(value)) o.selected = true;
      node.appendChild(o);
    });
    return node;
  }

  function numberInput(attrs) {
    return el("input", Object.assign({ type: "text", inputmode: "decimal", autocomplete: "off", class: "form-control" }, attrs || {}));
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function isDecimal(text, places) {
    return new RegExp("^\\d+(\\.\\d{1," + places + "})?$").test(String(text).trim());
  }

  // Exact decimal arithmetic for money shown on the phone (the server computes the amounts it keeps).
  function scaled(text, places) {
    var parts = String(text).trim().split(".");
    var frac = (parts[1] || "").padEnd(places, "0").slice(0, places);
    return BigInt(parts[0] || "0") * (10n ** BigInt(places)) + BigInt(frac || "0");
  }

  function cents(quantity, qPlaces, price, pPlaces) {
    var product = scaled(quantity, qPlaces) * scaled(price, pPlaces);
    var unit = 10n ** BigInt(qPlaces + pPlaces - 2);
    return Number((product + unit / 2n) / unit);
  }

  function yuan(centsValue) {
    var negative = centsValue < 0;
    var v = Math.abs(centsValue);
    var whole = Math.floor(v / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + "." + String(v % 100).padStart(2, "0");
  }

  var DIGITS = "零壹贰叁肆伍陆柒捌玖";
  function sectionWords(s) {
    var units = ["仟", "佰", "拾", ""];
    var digits = [Math.floor(s / 1000), Math.floor(s / 100) % 10, Math.floor(s / 10) % 10, s % 10];
    var out = "", zero = false;
    digits.forEach(function (d, k) {
      if (d === 0) { if (out) zero = true; return; }
      if (zero) out += "零";
      zero = false;
      out += DIGITS[d] + units[k];
    });
    return out;
  }
  // The amount in capital numerals, as on the printed receipts (the server's cn2an writes the same).
  function capital(centsValue) {
    var whole = Math.floor(centsValue / 100), jiao = Math.floor(centsValue / 10) % 10, fen = centsValue % 10;
    var sections = [], n = whole, out = "", needZero = false, names = ["", "万", "亿"];
    while (n > 0) { sections.push(n % 10000); n = Math.floor(n / 10000); }
    for (var i = sections.length - 1; i >= 0; i--) {
      var s = sections[i];
      if (s === 0) { if (out) needZero = true; continue; }
      if (out && (needZero || s < 1000)) out += "零";
      needZero = false;
      out += sectionWords(s) + names[i];
    }
    if (!whole && !jiao && !fen) return "零元整";
    if (whole) out += "元";
    if (!jiao && !fen) return out + "整";
    if (jiao) out += DIGITS[jiao] + "角";
    if (fen) out += (!jiao && whole ? "零" : "") + DIGITS[fen] + "分";
    return out;
  }
  window.gxCapital = capital;

  function hhmm(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  function alertBox(text, kind) {
    var box = document.getElementById("gx-alert");
    box.textContent = text || "";
    box.className = "gx-alert" + (kind ? " " + kind : "") + (text ? "" : " d-none");
  }

  // ------------------------------------------------------------------ IndexedDB

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("gongxiao-caravan-" + C.user_id, 1);
        request.onupgradeneeded = function () {
          var d = request.result;
          d.createObjectStore("bundle", { keyPath: "key" });
          d.createObjectStore("entries", { keyPath: "uuid" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(name, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(name, mode);
        var result = work(t.objectStore(name));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }

  function loadEntries() {
    return store("entries", "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.seq - b.seq; });
    });
  }
  function saveEntry(entry) { return store("entries", "readwrite", function (s) { s.put(entry); }); }
  function dropEntry(id) { return store("entries", "readwrite", function (s) { s.delete(id); }); }
  function loadBundle() {
    return store("bundle", "readonly", function (s) { return s.get("day"); }).then(function (row) { return row ? row.data : null; });
  }
  function saveBundle(data) { return store("bundle", "readwrite", function (s) { s.put({ key: "day", data: data }); }); }

  // ------------------------------------------------------------------ state

  var state = { bundle: null, entries: [] };

  function trip(id) {
    return ((state.bundle && state.bundle.trips) || []).filter(function (t) { return t.id === Number(id); })[0];
  }
  function stopOf(t, id) { return t.stops.filter(function (s) { return s.id === Number(id); })[0]; }
  function pending() { return state.entries.filter(function (e) { return e.status === "pending"; }); }

  // What an entry changes in the phone's copy of the day, before the server confirms it.
  function applyEntry(bundle, entry) {
    var t = ((bundle && bundle.trips) || []).filter(function (x) { return x.id === entry.trip_id; })[0];
    if (!t) return;
    var s = entry.stop_id ? t.stops.filter(function (x) { return x.id === entry.stop_id; })[0] : null;
    var data = entry.data;
    function made() {
      if (!s) return;
      if (s.status !== "made") { s.status = "made"; s.arrived_at = s.arrived_at || entry.recorded_at; }
      if (t.status === "planned") t.status = "underway";
    }
    function take(productId, quantity) {
      t.stock.forEach(function (line) {
        if (line.product_id === productId) line.on_hand = String(Math.max(0, Number(line.on_hand) - Number(quantity)));
      });
    }
    switch (entry.kind) {
      case "start_trip": t.status = "underway"; t.odometer_start = data.odometer_start; break;
      case "arrive": made(); break;
      case "sale": made(); data.lines.forEach(function (l) { take(l.product_id, l.quantity); }); break;
      case "delivery":
        made(); take(data.product_id, data.quantity);
        if (data.preorder_id) t.preorders = t.preorders.filter(function (o) { return o.id !== data.preorder_id; });
        break;
      case "purchase": case "service": made(); break;
      case "close_stop": made(); if (s) { s.closed_at = entry.recorded_at; s.people_served = data.people_served; } break;
      case "end_trip": t.status = "done"; t.odometer_end = data.odometer_end; break;
    }
  }

  function record(kind, t, s, data, label) {
    var entry = {
      uuid: uuid4(),
      seq: Date.now() + Math.random(),
      kind: kind,
      trip_id: t.id,
      stop_id: s ? s.id : null,
      recorded_at: new Date().toISOString(),
      data: data,
      label: label,
      status: "pending",
      message: "",
      result: {}
    };
    applyEntry(state.bundle, entry);
    state.entries.push(entry);
    return saveEntry(entry).then(function () { return saveBundle(state.bundle); }).then(function () {
      renderCount();
      if (!navigator.onLine) alertBox(T.saved_offline, "");
      flush();
      return entry;
    });
  }

  // ------------------------------------------------------------------ talking to the server

  var flushing = false;

  function renderNet() {
    var online = navigator.onLine !== false;
    var badge = document.getElementById("net-status");
    badge.textContent = online ? T.online : T.offline.split("：")[0].split(":")[0];
    badge.setAttribute("data-online", online ? "true" : "false");
    badge.title = online ? T.online : T.offline;
  }

  function renderCount() {
    var waiting = pending().length;
    var refused = state.entries.filter(function (e) { return e.status === "refused"; }).length;
    var count = document.getElementById("pending-count");
    count.textContent = String(waiting) + (refused ? " / " + refused + "!" : "");
    count.className = "badge " + (refused ? "text-bg-danger" : waiting ? "text-bg-warning" : "text-bg-light");
    count.setAttribute("data-pending", String(waiting));
    count.setAttribute("data-refused", String(refused));
  }

  function flush() {
    if (flushing || navigator.onLine === false) return Promise.resolve();
    var batch = pending().slice(0, 100);
    if (!batch.length) return Promise.resolve();
    flushing = true;
    var body = {
      entries: batch.map(function (e) {
        return { uuid: e.uuid, kind: e.kind, trip_id: e.trip_id, stop_id: e.stop_id, recorded_at: e.recorded_at, data: e.data };
      })
    };
    return fetch(C.sync_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken") || C.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        alertBox(T.login_again, "error");
        throw new Error("auth");
      }
      if (!response.ok) throw new Error("http " + response.status);
      return response.json();
    }).then(function (answer) {
      var byId = {};
      answer.answers.forEach(function (a) { byId[a.uuid] = a; });
      var saves = batch.map(function (entry) {
        var a = byId[entry.uuid];
        if (!a) return null;
        entry.status = a.status === "accepted" ? "sent" : "refused";
        entry.message = a.message || "";
        entry.result = a.result || {};
        entry.sent_at = new Date().toISOString();
        return saveEntry(entry);
      });
      return Promise.all(saves);
    }).then(function () {
      flushing = false;
      renderCount();
      var refused = state.entries.filter(function (e) { return e.status === "refused"; }).length;
      if (refused) alertBox(T.refused + "：" + refused, "error");
      else alertBox("");
      if (pending().length) return flush();
      return refreshBundle().then(route);
    }).catch(function () {
      flushing = false;
      renderCount();
    });
  }

  function refreshBundle() {
    if (navigator.onLine === false) return Promise.resolve(false);
    return fetch(C.bundle_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { alertBox(T.login_again, "error"); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return false;
        pending().forEach(function (entry) { applyEntry(data, entry); });
        state.bundle = data;
        return saveBundle(data).then(function () { return true; });
      })
      .catch(function () { return false; });
  }

  // ------------------------------------------------------------------ screens

  function statusLabel(prefix, value) { return T[prefix + "_" + value] || value; }

  function nextStop(t) {
    return t.stops.filter(function (s) { return s.status !== "skipped" && !s.closed_at; })[0];
  }

  function backLink(href) { return el("a", { href: href, class: "btn btn-outline-secondary btn-sm mb-2", "data-testid": "back", text: "← " + T.back }); }

  function screenHome() {
    var trips = (state.bundle && state.bundle.trips) || [];
    if (trips.length === 1 && !location.hash.startsWith("#/list")) return screenTrip(trips[0].id);
    return el("div", {},
      el("h1", { text: T.today }),
      state.bundle ? el("div", { class: "small text-secondary mb-2" }, T.loaded_at + " " + state.bundle.date) : null,
      trips.length ? trips.map(function (t) {
        return el("a", { class: "gx-box d-block text-decoration-none text-reset", href: "#/trip/" + t.id, "data-testid": "trip-" + t.id },
          el("div", { class: "fw-semibold" }, t.vehicle.plate + " · " + t.vehicle.kind_label),
          el("div", { class: "small text-secondary" }, (t.route || "") + " · " + statusLabel("trip", t.status)));
      }) : el("p", { class: "text-secondary", "data-testid": "no-trip", text: T.no_trip }),
      el("button", { class: "btn btn-outline-success w-100", "data-testid": "reload", onclick: function () {
        refreshBundle().then(route);
      } }, T.load)
    );
  }

  function screenTrip(id) {
    var t = trip(id);
    if (!t) return screenHome();
    var next = nextStop(t);
    var box = el("div", { "data-testid": "trip" },
      el("h1", {}, t.vehicle.plate + " ", el("span", { class: "badge text-bg-secondary", "data-testid": "trip-status", text: statusLabel("trip", t.status) })),
      el("div", { class: "small text-secondary mb-2" }, t.vehicle.kind_label + " · " + (t.route || "") + " · " + t.date)
    );
    if (t.status === "planned") {
      var odo = numberInput({ name: "odometer_start", value: t.odometer_start || "" });
      box.appendChild(el("form", { class: "gx-box", onsubmit: function (e) {
        e.preventDefault();
        if (!isDecimal(odo.value, 1)) { alertBox(T.odometer_start + "：" + T.required, "error"); return; }
        record("start_trip", t, null, { odometer_start: odo.value.trim() }, T.entry_start_trip + " · " + odo.value.trim() + " km").then(route);
      } }, field(T.odometer_start, odo, "odometer-start"), el("button", { class: "btn btn-success w-100", "data-testid": "start-trip", text: T.start_trip })));
    }
    if (next && t.status !== "done") {
      box.appendChild(el("a", { class: "gx-box d-block text-decoration-none text-reset border-warning", href: "#/stop/" + t.id + "/" + next.id, "data-testid": "next-stop" },
        el("div", { class: "small text-secondary", text: T.next_stop }),
        el("div", { class: "fs-5 fw-semibold" }, next.position + ". " + next.name),
        el("div", { class: "small" }, next.town + (next.planned_arrival ? " · " + next.planned_arrival : ""))));
    }
    box.appendChild(el("h2", { text: T.stops }));
    box.appendChild(el("div", { class: "gx-box py-1" }, t.stops.map(function (s) {
      var cls = "gx-stop " + s.status + (next && s.id === next.id ? " next" : "");
      return el("a", { class: cls, href: "#/stop/" + t.id + "/" + s.id, "data-testid": "stop-" + s.position },
        el("span", { class: "pos", text: String(s.position) }),
        el("span", { class: "flex-grow-1" }, el("div", { text: s.name }), el("div", { class: "small text-secondary" }, s.town + (s.planned_arrival ? " · " + s.planned_arrival : ""))),
        el("span", { class: "small text-secondary" }, s.closed_at ? "✓ " + s.people_served : statusLabel("status", s.status)));
    })));
    if (t.status !== "done") {
      box.appendChild(el("a", { class: "btn btn-outline-danger w-100", href: "#/end/" + t.id, "data-testid": "end-trip-link", text: T.end_trip }));
    }
    return box;
  }

  function screenStop(tripId, stopId) {
    var t = trip(tripId), s = t && stopOf(t, stopId);
    if (!s) return screenHome();
    var kind = t.vehicle.kind;
    var base = "/" + t.id + "/" + s.id;
    var buttons = [];
    if (s.status !== "made") {
      buttons.push(el("button", { class: "btn btn-outline-success", "data-testid": "arrive", onclick: function () {
        record("arrive", t, s, {}, T.entry_arrive + " · " + s.name).then(route);
      } }, T.arrive));
    }
    buttons.push(el("a", { class: "btn btn-success", href: "#/sell" + base, "data-testid": "sell", text: T.sell }));
    buttons.push(el("a", { class: "btn btn-success", href: "#/buy" + base, "data-testid": "buy", text: T.buy }));
    if (kind === "inputs_to_mountain" || t.preorders.length) {
      buttons.push(el("a", { class: "btn btn-success", href: "#/deliver" + base, "data-testid": "deliver", text: T.deliver }));
    }
    buttons.push(el("a", { class: "btn btn-outline-success", href: "#/service" + base, "data-testid": "service", text: T.service }));
    buttons.push(el("a", { class: "btn btn-outline-dark", href: "#/close" + base, "data-testid": "close-stop", text: T.close_stop }));
    var here = state.entries.filter(function (e) { return e.stop_id === s.id; });
    var orders = t.preorders.filter(function (o) { return o.stop_id === s.id; });
    return el("div", { "data-testid": "stop" },
      backLink("#/trip/" + t.id),
      el("h1", {}, s.position + ". " + s.name),
      el("div", { class: "small text-secondary mb-2" }, s.town + (s.planned_arrival ? " · " + s.planned_arrival : "") + " · " + statusLabel("status", s.status) + (s.arrived_at ? " " + hhmm(s.arrived_at) : "")),
      el("div", { class: "gx-actions mb-3" }, buttons),
      orders.length ? el("div", { class: "gx-box" }, el("h2", { class: "mt-0", text: T.preorders }), orders.map(function (o) {
        return el("div", { class: "small" }, o.customer + " · " + o.product + " × " + o.quantity + o.unit + (o.phone ? " · " + o.phone : ""));
      })) : null,
      here.length ? el("div", {}, here.map(entryCard)) : null
    );
  }

  function memberPicker(t, s, onChange) {
    var chosen = { id: null };
    var list = el("div", { class: "gx-member-list gx-box p-0", "data-testid": "member-list" });
    var search = el("input", { type: "search", class: "form-control", placeholder: T.search_member, autocomplete: "off" });
    function show() {
      var text = search.value.trim().toLowerCase();
      list.textContent = "";
      var members = t.members.filter(function (m) {
        if (!text) return s.village_id ? m.village_id === s.village_id : true;
        return m.name.indexOf(text) >= 0 || (m.pinyin || "").indexOf(text) === 0 || m.id_tail === text.toUpperCase();
      }).slice(0, 40);
      members.forEach(function (m) {
        list.appendChild(el("button", { type: "button", class: chosen.id === m.id ? "chosen" : "", "data-testid": "member-" + m.id, onclick: function () {
          chosen.id = m.id; chosen.name = m.name; show(); onChange(chosen);
        } }, m.name + " ", el("span", { class: "small text-secondary" }, m.village + " · ****" + m.id_tail)));
      });
    }
    search.addEventListener("input", show);
    show();
    return { node: el("div", {}, field(T.member, search, "member-search"), list), chosen: chosen };
  }

  function screenSell(tripId, stopId) {
    var t = trip(tripId), s = t && stopOf(t, stopId);
    if (!s) return screenHome();
    var goods = t.stock.filter(function (g) { return Number(g.on_hand) > 0 && g.business !== "agri_input"; });
    var lines = el("div", {});
    var totalBox = el("div", { class: "gx-total", "data-testid": "sale-total" }, "0.00");
    var method = select(state.bundle.payment_methods.filter(function (m) { return m[0] !== "credit"; }), "cash");
    function addLine() {
      var product = select([["", "—"]].concat(goods.map(function (g) {
        return [g.product_id, g.name + " " + g.spec + " · " + g.price + "/" + g.unit + " · " + T.on_hand + " " + g.on_hand];
      })), "");
      var quantity = numberInput({ name: "quantity", value: "1" });
      product.addEventListener("change", total);
      quantity.addEventListener("input", total);
      var index = lines.children.length;
      lines.appendChild(el("div", { class: "gx-line", "data-line": String(index) },
        field(T.product, product, "sale-product-" + index),
        el("div", { class: "narrow" }, field(T.quantity, quantity, "sale-qty-" + index))));
    }
    function read() {
      return Array.prototype.map.call(lines.children, function (row) {
        var p = row.querySelector("select").value, q = row.querySelector("input").value.trim();
        var good = goods.filter(function (g) { return String(g.product_id) === p; })[0];
        return { good: good, quantity: q };
      }).filter(function (l) { return l.good; });
    }
    function total() {
      var sum = 0;
      read().forEach(function (l) { if (isDecimal(l.quantity, 3)) sum += cents(l.quantity, 3, l.good.price, 4); });
      totalBox.textContent = yuan(sum);
      return sum;
    }
    addLine();
    var picker = memberPicker(t, s, function () {});
    return el("form", { "data-testid": "sale-form", onsubmit: function (e) {
      e.preventDefault();
      var chosen = read();
      if (!chosen.length) { alertBox(T.product + "：" + T.required, "error"); return; }
      for (var i = 0; i < chosen.length; i++) {
        var l = chosen[i];
        if (!isDecimal(l.quantity, 3) || Number(l.quantity) <= 0) { alertBox(T.quantity + "：" + T.required, "error"); return; }
        if (Number(l.quantity) > Number(l.good.on_hand)) { alertBox(l.good.name + "：" + T.too_much, "error"); return; }
      }
      var amount = total();
      var data = {
        lines: chosen.map(function (l) { return { product_id: l.good.product_id, quantity: l.quantity, unit_price: l.good.price }; }),
        payment_method: method.value,
        member_id: picker.chosen.id
      };
      var label = T.entry_sale + " · " + s.name + " · " + chosen.map(function (l) { return l.good.name + "×" + l.quantity; }).join("、") + " · ¥" + yuan(amount);
      record("sale", t, s, data, label).then(function () { location.hash = "#/stop/" + t.id + "/" + s.id; });
    } },
      backLink("#/stop/" + t.id + "/" + s.id),
      el("h1", {}, T.sell + " · " + s.name),
      lines,
      el("button", { type: "button", class: "btn btn-outline-secondary btn-sm mb-2", onclick: addLine, "data-testid": "add-line", text: "+ " + T.add_line }),
      el("div", { class: "gx-box" }, el("div", { class: "small text-secondary", text: T.total }), totalBox),
      field(T.paid_by, method, "sale-method"),
      el("details", { class: "mb-2" }, el("summary", { text: T.member }), picker.node),
      el("button", { class: "btn btn-success w-100", "data-testid": "save-sale", text: T.save }));
  }

  function screenBuy(tripId, stopId) {
    var t = trip(tripId), s = t && stopOf(t, stopId);
    if (!s) return screenHome();
    var produce = state.bundle.produce;
    var product = select([["", "—"]].concat(produce.map(function (p) { return [p.product_id, p.name + (p.spec ? " " + p.spec : "")]; })), "");
    var weight = numberInput({ name: "weight_jin" });
    var price = numberInput({ name: "price_per_jin" });
    var paid = numberInput({ name: "paid_amount" });
    var method = select(state.bundle.payment_methods, "cash");
    var amountBox = el("div", { class: "gx-total", "data-testid": "purchase-amount" }, "0.00");
    var wordsBox = el("div", { class: "small text-secondary", "data-testid": "purchase-words" }, "");
    var paidTouched = false;
    function amount() {
      if (!isDecimal(weight.value, 2) || !isDecimal(price.value, 2)) { amountBox.textContent = "0.00"; wordsBox.textContent = ""; return null; }
      var c = cents(weight.value, 2, price.value, 2);
      amountBox.textContent = yuan(c);
      wordsBox.textContent = capital(c);
      if (!paidTouched) paid.value = yuan(c).replace(/,/g, "");
      return c;
    }
    product.addEventListener("change", function () {
      var p = produce.filter(function (x) { return String(x.product_id) === product.value; })[0];
      if (p && !price.value) price.value = p.price_per_jin;
      amount();
    });
    weight.addEventListener("input", amount);
    price.addEventListener("input", amount);
    paid.addEventListener("input", function () { paidTouched = true; });
    var picker = memberPicker(t, s, function () { register.open = false; });
    var name = el("input", { type: "text", class: "form-control", autocomplete: "off" });
    var idNumber = el("input", { type: "text", class: "form-control", autocomplete: "off", maxlength: "18" });
    var phoneInput = el("input", { type: "tel", class: "form-control", autocomplete: "off" });
    var village = select(t.villages.map(function (v) { return [v.id, v.name]; }), s.village_id || "");
    var register = el("details", { class: "mb-2", "data-testid": "register" }, el("summary", { text: T.no_member }),
      field(T.name, name, "new-name"), field(T.id_number, idNumber, "new-id"), field(T.phone, phoneInput, "new-phone"), field(T.village, village, "new-village"));
    return el("form", { "data-testid": "purchase-form", onsubmit: function (e) {
      e.preventDefault();
      var c = amount();
      var p = produce.filter(function (x) { return String(x.product_id) === product.value; })[0];
      if (!p) { alertBox(T.produce + "：" + T.required, "error"); return; }
      if (c === null || Number(weight.value) <= 0) { alertBox(T.weight_jin + " / " + T.price_per_jin + "：" + T.required, "error"); return; }
      if (!picker.chosen.id && !(register.open && name.value.trim() && idNumber.value.trim())) { alertBox(T.member + "：" + T.required, "error"); return; }
      if (paid.value.trim() && !isDecimal(paid.value, 2)) { alertBox(T.paid_amount + "：" + T.required, "error"); return; }
      var data = {
        product_id: p.product_id,
        weight_jin: weight.value.trim(),
        price_per_jin: price.value.trim(),
        paid_amount: paid.value.trim() || null,
        payment_method: method.value
      };
      var who = picker.chosen.name;
      if (picker.chosen.id) data.member_id = picker.chosen.id;
      else {
        data.new_member = { name: name.value.trim(), id_number: idNumber.value.trim(), phone: phoneInput.value.trim(), village_id: Number(village.value) || null };
        who = name.value.trim();
      }
      var label = T.entry_purchase + " · " + s.name + " · " + who + " · " + p.name + " " + data.weight_jin + T.jin + " · ¥" + yuan(c);
      record("purchase", t, s, data, label).then(function (entry) { location.hash = "#/receipt/" + entry.uuid; });
    } },
      backLink("#/stop/" + t.id + "/" + s.id),
      el("h1", {}, T.buy + " · " + s.name),
      picker.node,
      register,
      field(T.produce, product, "purchase-product"),
      el("div", { class: "gx-line" }, field(T.weight_jin, weight, "purchase-weight"), field(T.price_per_jin, price, "purchase-price")),
      el("div", { class: "gx-box" }, el("div", { class: "small text-secondary", text: T.amount }), amountBox, wordsBox),
      el("div", { class: "gx-line" }, field(T.paid_amount, paid, "purchase-paid"), field(T.paid_by, method, "purchase-method")),
      el("button", { class: "btn btn-success w-100", "data-testid": "save-purchase", text: T.save }));
  }

  function screenReceipt(id) {
    var entry = state.entries.filter(function (e) { return e.uuid === id; })[0];
    if (!entry) return screenHome();
    var d = entry.data, c = cents(d.weight_jin, 2, d.price_per_jin, 2);
    var t = trip(entry.trip_id);
    return el("div", { class: "gx-box gx-receipt", "data-testid": "local-receipt" },
      el("h1", { class: "text-center" }, T.receipt),
      el("dl", { class: "row mb-0" },
        el("dt", { class: "col-5", text: T.member }), el("dd", { class: "col-7" }, entry.label.split(" · ")[2] || ""),
        el("dt", { class: "col-5", text: T.weight_jin }), el("dd", { class: "col-7" }, d.weight_jin),
        el("dt", { class: "col-5", text: T.price_per_jin }), el("dd", { class: "col-7" }, d.price_per_jin),
        el("dt", { class: "col-5", text: T.amount }), el("dd", { class: "col-7 fw-semibold", "data-testid": "receipt-amount" }, yuan(c)),
        el("dt", { class: "col-5" }, ""), el("dd", { class: "col-7", "data-testid": "receipt-words" }, capital(c))),
      entry.result && entry.result.receipt_url
        ? el("a", { class: "btn btn-success w-100 mt-2", href: entry.result.receipt_url + "?size=58", "data-testid": "print-receipt", text: T.receipt })
        : el("p", { class: "small text-secondary mt-2", text: T.receipt_later }),
      el("a", { class: "btn btn-outline-secondary w-100 mt-2", href: t ? "#/stop/" + t.id + "/" + entry.stop_id : "#/", text: T.back }));
  }

  function screenDeliver(tripId, stopId) {
    var t = trip(tripId), s = t && stopOf(t, stopId);
    if (!s) return screenHome();
    var inputs = t.stock.filter(function (g) { return g.business === "agri_input" && Number(g.on_hand) > 0; });
    var orders = t.preorders.filter(function (o) { return o.stop_id === s.id || !o.stop_id; });
    var order = select([["", T.no_preorder]].concat(orders.map(function (o) { return [o.id, o.customer + " · " + o.product + " × " + o.quantity + o.unit]; })), "");
    var product = select([["", "—"]].concat(inputs.map(function (g) { return [g.product_id, g.name + " " + g.spec + " · " + T.on_hand + " " + g.on_hand + g.unit]; })), "");
    var quantity = numberInput({ name: "quantity" });
    var method = select(state.bundle.payment_methods, "cash");
    order.addEventListener("change", function () {
      var o = orders.filter(function (x) { return String(x.id) === order.value; })[0];
      if (o) { product.value = String(o.product_id); quantity.value = o.quantity; }
    });
    return el("form", { "data-testid": "delivery-form", onsubmit: function (e) {
      e.preventDefault();
      var good = inputs.filter(function (g) { return String(g.product_id) === product.value; })[0];
      if (!good) { alertBox(T.product + "：" + T.required, "error"); return; }
      if (!isDecimal(quantity.value, 3) || Number(quantity.value) <= 0) { alertBox(T.quantity + "：" + T.required, "error"); return; }
      if (Number(quantity.value) > Number(good.on_hand)) { alertBox(good.name + "：" + T.too_much, "error"); return; }
      var o = orders.filter(function (x) { return String(x.id) === order.value; })[0];
      var data = { product_id: good.product_id, quantity: quantity.value.trim(), payment_method: method.value, preorder_id: o ? o.id : null, member_id: o ? o.member_id : null };
      record("delivery", t, s, data, T.entry_delivery + " · " + s.name + " · " + good.name + " " + data.quantity + good.unit + (o ? " · " + o.customer : ""))
        .then(function () { location.hash = "#/stop/" + t.id + "/" + s.id; });
    } },
      backLink("#/stop/" + t.id + "/" + s.id),
      el("h1", {}, T.deliver + " · " + s.name),
      field(T.preorder, order, "delivery-preorder"),
      field(T.product, product, "delivery-product"),
      field(T.quantity, quantity, "delivery-quantity"),
      field(T.paid_by, method, "delivery-method"),
      el("button", { class: "btn btn-success w-100", "data-testid": "save-delivery", text: T.save }));
  }

  function screenService(tripId, stopId) {
    var t = trip(tripId), s = t && stopOf(t, stopId);
    if (!s) return screenHome();
    var kind = select(state.bundle.service_kinds, "advice");
    var topic = el("input", { type: "text", class: "form-control", maxlength: "100" });
    var people = numberInput({ inputmode: "numeric", value: "0" });
    var amountInput = numberInput({});
    var bank = el("input", { type: "text", class: "form-control", maxlength: "60" });
    var quantity = numberInput({ inputmode: "numeric", value: "0" });
    var households = numberInput({ inputmode: "numeric", value: "0" });
    var note = el("input", { type: "text", class: "form-control", maxlength: "200" });
    var picker = memberPicker(t, s, function () {});
    var finance = el("div", {}, picker.node, field(T.credit_amount, amountInput, "service-amount"), field(T.bank, bank, "service-bank"));
    var gift = el("div", {}, field(T.count_given, quantity, "service-quantity"));
    function toggle() {
      finance.style.display = kind.value === "finance" ? "" : "none";
      gift.style.display = kind.value === "gift" ? "" : "none";
    }
    kind.addEventListener("change", toggle);
    toggle();
    function int(input) { return /^\d+$/.test(input.value.trim()) ? Number(input.value.trim()) : 0; }
    return el("form", { "data-testid": "service-form", onsubmit: function (e) {
      e.preventDefault();
      var data = {
        kind: kind.value, topic: topic.value.trim(), people: int(people), note: note.value.trim(),
        member_id: kind.value === "finance" ? picker.chosen.id : null,
        amount: kind.value === "finance" && isDecimal(amountInput.value, 2) ? amountInput.value.trim() : null,
        bank: kind.value === "finance" ? bank.value.trim() : "",
        quantity: kind.value === "gift" ? int(quantity) : 0,
        households: int(households)
      };
      var label = T.entry_service + " · " + s.name + " · " + kind.options[kind.selectedIndex].text + (data.topic ? " · " + data.topic : "");
      record("service", t, s, data, label).then(function () { location.hash = "#/stop/" + t.id + "/" + s.id; });
    } },
      backLink("#/stop/" + t.id + "/" + s.id),
      el("h1", {}, T.service + " · " + s.name),
      field(T.kind, kind, "service-kind"),
      field(T.topic, topic, "service-topic"),
      field(T.people, people, "service-people"),
      finance, gift,
      field(T.households, households, "service-households"),
      field(T.note, note, "service-note"),
      el("button", { class: "btn btn-success w-100", "data-testid": "save-service", text: T.save }));
  }

  function screenClose(tripId, stopId) {
    var t = trip(tripId), s = t && stopOf(t, stopId);
    if (!s) return screenHome();
    var people = numberInput({ inputmode: "numeric", value: s.people_served || "" });
    return el("form", { "data-testid": "close-form", onsubmit: function (e) {
      e.preventDefault();
      if (!/^\d+$/.test(people.value.trim())) { alertBox(T.people_served + "：" + T.required, "error"); return; }
      var n = Number(people.value.trim());
      record("close_stop", t, s, { people_served: n }, T.entry_close_stop + " · " + s.name + " · " + n).then(function () { location.hash = "#/trip/" + t.id; });
    } },
      backLink("#/stop/" + t.id + "/" + s.id),
      el("h1", {}, T.close_stop + " · " + s.name),
      field(T.people_served, people, "people-served"),
      el("button", { class: "btn btn-dark w-100", "data-testid": "save-close", text: T.close_stop }));
  }

  function screenEnd(tripId) {
    var t = trip(tripId);
    if (!t) return screenHome();
    var odo = numberInput({ name: "odometer_end" });
    var start = numberInput({ name: "odometer_start", value: t.odometer_start || "" });
    return el("form", { "data-testid": "end-form", onsubmit: function (e) {
      e.preventDefault();
      if (!isDecimal(odo.value, 1)) { alertBox(T.odometer_end + "：" + T.required, "error"); return; }
      var data = { odometer_end: odo.value.trim() };
      if (!t.odometer_start && isDecimal(start.value, 1)) data.odometer_start = start.value.trim();
      record("end_trip", t, null, data, T.entry_end_trip + " · " + data.odometer_end + " km").then(function () { location.hash = "#/trip/" + t.id; });
    } },
      backLink("#/trip/" + t.id),
      el("h1", {}, T.end_trip),
      t.odometer_start ? el("p", {}, T.odometer_start + "：" + t.odometer_start) : field(T.odometer_start, start, "end-odometer-start"),
      field(T.odometer_end, odo, "odometer-end"),
      el("button", { class: "btn btn-danger w-100", "data-testid": "save-end", text: T.end_trip }));
  }

  function entryCard(entry) {
    var badge = { pending: T.waiting, sent: T.sent, refused: T.refused }[entry.status];
    var card = el("div", { class: "gx-entry " + entry.status, "data-testid": "entry", "data-status": entry.status, "data-kind": entry.kind, "data-uuid": entry.uuid },
      el("div", { class: "d-flex justify-content-between gap-2" }, el("span", { text: entry.label }), el("span", { class: "small text-secondary text-nowrap" }, hhmm(entry.recorded_at) + " " + badge)),
      entry.message ? el("div", { class: "msg", "data-testid": "entry-message", text: entry.message }) : null);
    if (entry.status === "sent" && entry.result && entry.result.receipt_url) {
      card.appendChild(el("a", { class: "small", href: entry.result.receipt_url + "?size=58", text: T.receipt }));
    }
    if (entry.status === "refused") {
      card.appendChild(el("div", { class: "d-flex gap-2 mt-1" },
        el("button", { type: "button", class: "btn btn-sm btn-outline-primary", "data-testid": "retry", onclick: function () {
          entry.status = "pending"; entry.message = "";
          saveEntry(entry).then(function () { renderCount(); route(); flush(); });
        } }, T.retry),
        el("button", { type: "button", class: "btn btn-sm btn-outline-danger", "data-testid": "discard", onclick: function () {
          if (!window.confirm(T.discard_confirm)) return;
          state.entries = state.entries.filter(function (x) { return x.uuid !== entry.uuid; });
          dropEntry(entry.uuid).then(function () { renderCount(); route(); });
        } }, T.discard)));
    }
    return card;
  }

  function screenOutbox() {
    var waiting = state.entries.filter(function (e) { return e.status !== "sent"; });
    var sent = state.entries.filter(function (e) { return e.status === "sent"; }).slice(-30).reverse();
    return el("div", { "data-testid": "outbox" },
      backLink("#/"),
      el("h1", { text: T.waiting }),
      waiting.length ? waiting.map(entryCard) : el("p", { class: "text-secondary", "data-testid": "nothing-waiting", text: T.nothing_waiting }),
      el("button", { class: "btn btn-outline-success w-100 mb-3", "data-testid": "send-now", onclick: function () { flush().then(route); } }, T.send_now),
      sent.length ? el("div", {}, el("h2", { text: T.sent }), sent.map(entryCard)) : null);
  }

  function route() {
    var parts = (location.hash || "#/").slice(2).split("/");
    var screens = {
      "": screenHome, list: screenHome, trip: screenTrip, stop: screenStop, sell: screenSell, buy: screenBuy,
      deliver: screenDeliver, service: screenService, close: screenClose, end: screenEnd,
      outbox: screenOutbox, receipt: screenReceipt
    };
    var screen = screens[parts[0]] || screenHome;
    app.textContent = "";
    app.appendChild(screen.apply(null, parts.slice(1)));
    renderCount();
  }

  // ------------------------------------------------------------------ start

  window.addEventListener("hashchange", function () { alertBox(""); route(); });
  window.addEventListener("online", function () { renderNet(); flush(); });
  window.addEventListener("offline", renderNet);
  setInterval(function () { renderNet(); flush(); }, 20000);

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(C.sw_url, { scope: C.sw_scope }).catch(function () {});
  }

  window.gxPhone = { flush: flush, state: state, refresh: refreshBundle };

  renderNet();
  // Entries the server accepted are kept a week for the crew to look back on, then dropped.
  var WEEK_MS = 7 * 24 * 3600 * 1000;
  Promise.all([loadBundle(), loadEntries()]).then(function (loaded) {
    state.bundle = loaded[0];
    state.entries = loaded[1].filter(function (entry) {
      var old = entry.status === "sent" && entry.sent_at && Date.now() - Date.parse(entry.sent_at) > WEEK_MS;
      if (old) dropEntry(entry.uuid);
      return !old;
    });
    if (state.bundle && state.bundle.date !== C.today && navigator.onLine !== false) state.bundle = null;
    route();
    return refreshBundle().then(function (fresh) {
      if (fresh) route();
      return flush();
    });
  }).then(function () {
    document.body.setAttribute("data-ready", "true");
  }, function () {
    document.body.setAttribute("data-ready", "true");
    route();
  });
})();
