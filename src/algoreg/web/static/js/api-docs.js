// Starts Swagger UI on our own OpenAPI document, from our own host (no CDN, no inline script).
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
