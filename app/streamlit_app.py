"""Streamlit chat front end: a thin shell over reviewqa.assistant."""

from __future__ import annotations

import streamlit as st

from reviewqa.assistant import Assistant, QuestionRejected, Turn
from reviewqa.config import load_settings
from reviewqa.store import IndexProblem

st.set_page_config(page_title="reviewqa", page_icon="📚")


@st.cache_resource(show_spinner="Loading the model and the index…")
def get_assistant() -> Assistant:
    return Assistant(load_settings())


st.title("reviewqa")
try:
    assistant = get_assistant()
except IndexProblem as problem:
    st.error(str(problem))
    st.stop()

history = st.session_state.setdefault("history", [])
for turn in history:
    with st.chat_message("user"):
        st.text(turn["question"])
    with st.chat_message("assistant"):
        st.markdown(turn["answer"])

if question := st.chat_input("Ask about MSC sources, animal models, clinical trials…"):
    with st.chat_message("user"):
        st.text(question)
    try:
        answer = assistant.ask(question, [Turn(t["question"], t.get("interpreted", "")) for t in history])
    except QuestionRejected as refusal:
        st.warning(str(refusal))
    else:
        with st.chat_message("assistant"):
            st.markdown(answer.text)
        history.append({"question": question, "interpreted": answer.interpreted, "answer": answer.text})
