"""Cross-channel synergy: mix models with interactions, journey synergy, halo and premium."""
