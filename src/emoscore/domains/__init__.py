"""Emotion in music and other sounds: window-level task models (quadrant, valence, arousal)
and the speech / music / other detector that picks a model per window."""
