"""The `meters/`, `readings/`, `reading-batches/`, `monthly-totals/` and `site-figures/` collections
(ISO 14001 9.1.1), written through `measurement.services`."""
