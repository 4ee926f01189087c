"""The overhead pair's plain loop, run by parlab itself (bench/python_executors.py --experiments
overhead): one python task whose function is a plain `for` loop over the seed sieve, checking
each result as parlab's python workload checks each task. Running this loop inside parlab's
embedded interpreter compares parlab's per-task cost with a loop in the *same* interpreter;
`/usr/bin/python3.11` links libpython statically and runs pure Python faster than the shared
libpython any embedding program uses (docs/performance.md, "Python").
"""
import seeds


def sieve_loop(_):
    for n in range(1000, 16000):
        if not seeds.check_prime_numbers(n, seeds.get_prime_numbers(n)):
            raise AssertionError(f"get_prime_numbers({n}) failed its check")
    return True
