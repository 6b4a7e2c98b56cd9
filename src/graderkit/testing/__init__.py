"""Testing graders: hypothesis strategies, a fake OpenAI server, and (soon) pytest helpers.

Submodules are imported on demand so ``import graderkit.testing`` stays light:

- `graderkit.testing.strategies`: hypothesis strategies for graders, samples and items.
- `graderkit.testing.fake_openai`: a real HTTP server on loopback that speaks the OpenAI API.
"""
