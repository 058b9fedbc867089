"""The script `reviewqa serve` hands to `streamlit run` (Streamlit reruns a script, not a function)."""

from reviewqa.app.page import main

main()
