"""Server-side SVG charts: primitives, dashboard, cohort and channel-health charts."""
