"""Run by test_tokens in a separate process: N calls through `client_for(user)` on the test database."""

import sys


def main(user_id: int, calls: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from flightbridge.myflightbook.tokens import client_for

    user = get_user_model().objects.get(pk=user_id)
    with client_for(user) as client:
        for _ in range(calls):
            client.call("GetNamedQueries")
    print("done", calls, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
