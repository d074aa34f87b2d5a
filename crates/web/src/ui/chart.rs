//! Server-rendered SVG charts (being built).
