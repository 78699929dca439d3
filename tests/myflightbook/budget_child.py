"""Run by test_budget in a separate process: one thread per pilot, each making N calls through
`client_for(user, mode=…)` on the test database, all at once."""

import sys
import threading


def main(mode: str, calls: int, user_ids: list[int]) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from flightbridge.myflightbook.tokens import client_for

    users = list(get_user_model().objects.filter(pk__in=user_ids))
    start = threading.Barrier(len(users))
    failures = []

    def pilot(user) -> None:
        try:
            with client_for(user, mode=mode) as client:
                start.wait()
                for _ in range(calls):
                    client.call("GetNamedQueries")
        except Exception as exc:  # reported to the test through the exit status and output
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=pilot, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print("failed", failures, flush=True)
        sys.exit(1)
    print("done", len(users) * calls, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), [int(arg) for arg in sys.argv[3:]])
