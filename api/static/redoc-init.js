// Starts the vendored ReDoc (an ES module) on #redoc-container. The page must make no request beyond this
// server: ReDoc's telemetry is switched off by its own option, and the one thing it cannot switch off, the
// attribution logo it loads from cdn.redoc.ly, is kept from loading (the link and text stay; see below).
import { init } from "/static/vendor/redoc/redoc.standalone.js";

const OFFSITE = /^https:\/\/cdn\.redoc\.ly\//;

// React sets an <img>'s src through setAttribute (or the src property): such a src from ReDoc's CDN is
// parked in data-offsite-src instead, so the browser never asks for it (the CSP would refuse it anyway,
// with a console error). Nothing else is touched.
const setAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (name, value) {
  if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && OFFSITE.test(String(value))) {
    return setAttribute.call(this, "data-offsite-src", String(value));
  }
  return setAttribute.call(this, name, value);
};
const srcProperty = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
Object.defineProperty(HTMLImageElement.prototype, "src", {
  configurable: true,
  enumerable: srcProperty.enumerable,
  get() { return srcProperty.get.call(this); },
  set(value) {
    if (OFFSITE.test(String(value))) setAttribute.call(this, "data-offsite-src", String(value));
    else srcProperty.set.call(this, value);
  }
});

const root = document.getElementById("redoc-container");
if (root) {
  root.textContent = "";
  init(root.getAttribute("data-spec-url"), { disableTelemetry: true, hideHeaderTitle: true }, root);
}
