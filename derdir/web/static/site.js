// DER Directory pages: progressive enhancement only. Every page and form works without this file;
// it adds instant search results, a device picker on "Check my home", and a copy button.
(function () {
  "use strict";

  var PAGES = { device: "/products/", hub: "/hubs/", program: "/programs/", utility: "/utilities/" };

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text; // never innerHTML: catalog text stays text
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // Fetch JSON for the latest query only; older answers are dropped.
  function live(input, url, draw) {
    var last = null;
    var seq = 0;
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      var mine = ++seq;
      if (q.length < 2) { draw(null, q); return; }
      fetch(url(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (mine === seq) draw(data, q); })
        .catch(function () { if (mine === seq) draw(null, q); });
    }, 200));
  }

  // Up/down arrows move between the input and the results; Escape closes them.
  function keyboard(input, box) {
    function items() { return Array.prototype.slice.call(box.querySelectorAll("a, button")); }
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && items().length) { e.preventDefault(); items()[0].focus(); }
      if (e.key === "Escape") clear(box);
    });
    box.addEventListener("keydown", function (e) {
      var list = items();
      var i = list.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < list.length - 1) { e.preventDefault(); list[i + 1].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? list[i - 1] : input).focus(); }
      if (e.key === "Escape") { clear(box); input.focus(); }
    });
  }

  function status(box, text) {
    box.appendChild(el("p", { "class": "visually-hidden" }, text));
  }

  // Location boxes: utilities by the name a bill writes, from /v1/markets/suggest, into the box's datalist.
  function suggestUtilities(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var fixed = Array.prototype.slice.call(list.children);
    live(input, function (q) { return input.getAttribute("data-suggest") + encodeURIComponent(q); }, function (items) {
      if (!items || /^[0-9]/.test(input.value)) return;
      clear(list);
      var shown = {};
      items.forEach(function (u) {
        shown[u.id] = true;
        list.appendChild(el("option", { value: u.name, label: u.name + " (" + u.regions.join(", ") + ")" }));
      });
      fixed.forEach(function (o) { if (!shown[o.value]) list.appendChild(o); });
    });
  }

  // Home and search: quick results from /v1/search as you type.
  function instantSearch(form) {
    var input = form.querySelector("input[name=q]");
    var box = document.getElementById("instant-results");
    if (!input || !box) return;
    var endpoint = form.getAttribute("data-instant");
    live(input, function (q) { return endpoint + "?limit=8&q=" + encodeURIComponent(q); }, function (items) {
      clear(box);
      if (!items) return;
      status(box, items.length ? items.length + " quick results" : "No quick results; press Enter to search");
      if (!items.length) return;
      var ul = el("ul", { "aria-label": "Quick results" });
      items.forEach(function (it) {
        var a = el("a", { href: (PAGES[it.kind] || "/") + encodeURIComponent(it.id) });
        a.appendChild(el("span", { "class": "kind" }, it.kind === "device" ? "product" : it.kind));
        a.appendChild(document.createTextNode(" " + it.title));
        var li = el("li");
        li.appendChild(a);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
    keyboard(input, box);
  }

  // Check my home: search the catalog and add a device as "Manufacturer | Model".
  function devicePicker(picker) {
    var input = picker.querySelector("input[type=search]");
    var box = picker.querySelector(".instant");
    var list = document.getElementById("check-devices");
    if (!input || !box || !list) return;
    picker.hidden = false;
    live(input, function (q) { return "/v1/products?per_page=8&q=" + encodeURIComponent(q); }, function (data) {
      clear(box);
      if (!data) return;
      var items = data.items || [];
      status(box, items.length ? items.length + " products found" : "No products found");
      if (!items.length) return;
      var ul = el("ul", { "aria-label": "Products to add" });
      items.forEach(function (p) {
        var b = el("button", { type: "button" }, "Add " + p.manufacturer + " " + p.product_name + " (" + p.model + ")");
        b.addEventListener("click", function () {
          var line = p.manufacturer + " | " + p.model;
          list.value = list.value.replace(/\s*$/, "") + (list.value.trim() ? "\n" : "") + line + "\n";
          clear(box);
          status(box, "Added " + p.manufacturer + " " + p.model + " to your devices");
          input.value = "";
          input.focus();
        });
        var li = el("li");
        li.appendChild(b);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
    keyboard(input, box);
  }

  // Contribute: copy the proposed recipe.
  function copyButton(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent).then(function () {
        button.textContent = "Copied";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-instant]"), instantSearch);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), suggestUtilities);
    Array.prototype.forEach.call(document.querySelectorAll(".device-picker"), devicePicker);
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), copyButton);
  });
})();
