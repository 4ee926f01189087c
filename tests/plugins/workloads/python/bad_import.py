import does_not_exist_anywhere

def f(n):
    return n
