"""Chat messages → the model's reply, streamed from an OpenAI-compatible server through the official `openai` client.

Any server speaking POST <base_url>/chat/completions with server-sent events works: Ollama, vLLM,
llama.cpp's server, a hosted API. The client's own retries are used: a request that cannot connect or is
answered 408, 429 or 5xx is retried `retries` times, waiting as the server's Retry-After says (else with
exponential back-off). Every way the server can fail ends in `ModelServerFailed` with a one-line reason
written here from the kind of failure alone — never the server's own message, which may echo the API key.
"""

from __future__ import annotations

from typing import Iterator, Sequence
from urllib.parse import urlsplit

from ..config import LLMSettings
from ..errors import ModelServerFailed

# The client insists on a key; servers without authentication (Ollama, llama.cpp, vLLM by default) ignore it.
NO_KEY = "no-key"
# Deterministic wording: an answer drawn from given passages gains nothing from sampling, and reruns compare.
TEMPERATURE = 0.0
# Headers the client adds about this machine and itself (OS, architecture, Python and library versions), and the
# organisation and project it would take from OPENAI_ORG_ID / OPENAI_PROJECT_ID: left out, so a request carries
# what the settings say and nothing about who sends it.
_LEFT_OUT_HEADERS = ("X-Stainless-Lang", "X-Stainless-Package-Version", "X-Stainless-OS", "X-Stainless-Arch",
                     "X-Stainless-Runtime", "X-Stainless-Runtime-Version", "X-Stainless-Async", "OpenAI-Organization", "OpenAI-Project")
_AUTH_REFUSED = (401, 403)
_RETRIED = (408, 409, 429)  # and every 5xx: what the client retries


def server_name(base_url: str) -> str:
    """host:port of the server, for messages (a URL's user:password part is never shown)."""
    parts = urlsplit(base_url)
    return f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or base_url)


def _after_retries(retries: int) -> str:
    return f", still after {retries} {'retry' if retries == 1 else 'retries'}" if retries else ""


def _status_reason(status: int, settings: LLMSettings) -> str:
    if status in _AUTH_REFUSED:
        hint = f"the variable {settings.api_key_env}" if settings.api_key_env else "--llm-api-key-env"
        return f"the model server refused the API key (HTTP {status}); check {hint}"
    if status == 404:
        return f"the model server knows no model '{settings.model}' at that address (HTTP 404); check --llm-base-url (usually ending in /v1) and --llm-model"
    if status == 429:
        return f"the model server is limiting requests (HTTP 429){_after_retries(settings.retries)}"
    if status in _RETRIED or status >= 500:
        return f"the model server failed (HTTP {status}){_after_retries(settings.retries)}"
    return f"the model server refused the request (HTTP {status})"


def stream_reply(messages: Sequence[dict[str, str]], settings: LLMSettings, api_key: str | None) -> Iterator[str]:
    """The model's reply to `messages`, piece by piece as the server sends it.

    Raises ModelServerFailed when the server cannot be reached, refuses, is slower than the timeouts,
    or sends a stream that is malformed, cut off or empty."""
    import openai  # here, not at the top: a second of imports that nobody without a model server should pay

    client = openai.OpenAI(
        base_url=settings.base_url, api_key=api_key or NO_KEY, max_retries=settings.retries,
        timeout=openai.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
        default_headers={name: openai.Omit() for name in _LEFT_OUT_HEADERS},
    )
    wrote, finished = False, False
    where = server_name(settings.base_url)
    try:
        with client:
            stream = client.chat.completions.create(model=settings.model, messages=list(messages), stream=True,
                                                    max_tokens=settings.answer_tokens, temperature=TEMPERATURE)
            for chunk in stream:
                for choice in chunk.choices or ():
                    content = choice.delta.content if choice.delta else None
                    if content is not None and not isinstance(content, str):
                        raise ModelServerFailed(f"the model server at {where} sent a malformed stream")
                    if content:
                        wrote = True
                        yield content
                    finished = finished or bool(choice.finish_reason)
    except openai.APIStatusError as error:
        raise ModelServerFailed(_status_reason(error.status_code, settings)) from None
    except openai.APITimeoutError:
        waited = f"{settings.read_timeout_s:g} s"
        raise ModelServerFailed(f"the model server at {where} stopped sending the answer for more than {waited}" if wrote else
                                f"the model server at {where} did not answer within {waited}") from None
    except openai.APIConnectionError:
        raise ModelServerFailed(f"the connection to the model server at {where} broke off mid-answer" if wrote else
                                f"could not connect to the model server at {where}") from None
    except (openai.APIError, ValueError, AttributeError, TypeError):  # an error event, or events that are not chunks
        raise ModelServerFailed(f"the model server at {where} sent a malformed stream") from None
    if not finished:
        raise ModelServerFailed(f"the model server at {where} ended the stream before the answer was complete")
    if not wrote:
        raise ModelServerFailed(f"the model server at {where} sent an empty answer")
