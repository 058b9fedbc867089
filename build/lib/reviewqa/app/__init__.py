"""The Streamlit app, shipped inside the package so an installed reviewqa can serve it (`reviewqa serve`)."""
