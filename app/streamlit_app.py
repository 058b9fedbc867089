"""Entry point for `streamlit run app/streamlit_app.py` from a checkout; the app itself is reviewqa.app."""

from reviewqa.app.page import main

main()
