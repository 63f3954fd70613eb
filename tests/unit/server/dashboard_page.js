// Runs the dashboard page's own script (as the server serves it) against a small stand-in for
// the browser's document, renders the sync part of a dashboard answer read from stdin, and
// prints what a manager would read: the line about the link to central and each terminal's row
// (each cell's text and class). Used by test_dashboard_page.cpp.
"use strict";
const fs = require("fs");
const vm = require("vm");

const html = fs.readFileSync(process.argv[2], "utf8");
const match = html.match(/<script>([\s\S]*)<\/script>/);
if (!match) {
  console.error("the page has no <script>");
  process.exit(2);
}

class Element {
  constructor(id) {
    this.id = id;
    this.textContent = "";
    this.className = "";
    this.hidden = false;
    this.value = "";
    this.children = [];
    this.cells = [];
  }
  replaceChildren() { this.children = []; }
  insertRow() {
    const row = new Element("");
    this.children.push(row);
    return row;
  }
  insertCell() {
    const cell = new Element("");
    this.cells.push(cell);
    return cell;
  }
  addEventListener() {}
}

const elements = {};
const document = {
  getElementById(id) {
    if (!elements[id]) elements[id] = new Element(id);
    return elements[id];
  },
  createElement() { return new Element(""); },
};
const context = vm.createContext({
  document, console, Date, Math, JSON, String, Number, Object, Promise, TextDecoder,
  setTimeout() { return 0; },
  setInterval() { return 0; },
  fetch() { return Promise.reject(new Error("no network here")); },
  location: { reload() {} },
});
vm.runInContext(match[1], context);

const answer = JSON.parse(fs.readFileSync(0, "utf8"));
vm.runInContext("renderSync", context)(answer.sync);
const link = document.getElementById("central-link");
console.log(JSON.stringify({
  link: { text: link.textContent, cls: link.className },
  rows: document.getElementById("terminals").children.map(r => r.cells.map(c => ({ text: c.textContent, cls: c.className }))),
}));
