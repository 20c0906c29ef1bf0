"""Our conditions and benefits for Oscar's offers framework (proxy models in our app)."""
