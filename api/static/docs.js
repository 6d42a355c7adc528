// Starts the vendored Swagger UI on #swagger-ui (no inline script: the page CSP is script-src 'self').
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  root.textContent = "";
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: false,          // its #/tag/op links would nest a link inside the summary button (axe: nested-interactive)
    presets: [window.SwaggerUIBundle.presets.apis],
    // The page has its own <h1>, title and description; Swagger UI's info block would add a second <h1>.
    plugins: [function () { return { components: { InfoContainer: function () { return null; } } }; }],
    layout: "BaseLayout",
    validatorUrl: null,          // never send the description to the public validator
    tryItOutEnabled: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0
  });
})();
