"""Cross-channel synergy: mix models with interactions, journey-level interaction, halo and premium."""
