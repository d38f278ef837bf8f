#!/bin/sh
# Every program has a man page and every page a program; the pages are
# mandoc-clean; every program answers --help, --version and refuses an
# unknown option with exit 2.
. "${top_srcdir:-.}/tests/lib.sh"

for c in "$top_srcdir"/bin/cloud-*.c; do
	p=$(basename "$c" .c)
	check "$p has a man page" test -f "$top_srcdir/man/$p.1"
done
for m in "$top_srcdir"/man/cloud-*.1; do
	p=$(basename "$m" .1)
	check "man page $p.1 has a program" test -f "$top_srcdir/bin/$p.c"
done
for m in "$top_srcdir"/man/*.[157]; do
	run mandoc -Tlint -W warning "$m"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
		ok "mandoc -Tlint is clean on $(basename "$m")"
	else
		not_ok "mandoc -Tlint is clean on $(basename "$m")"
	fi
done

for c in "$top_srcdir"/bin/cloud-*.c; do
	p=$(basename "$c" .c)
	run "$p" --help
	if [ "$rc" -eq 0 ] && grep -q "^usage: $p" "$T/out"; then
		ok "$p --help prints its usage on stdout"
	else
		not_ok "$p --help prints its usage on stdout"
	fi
	expect 2 "$p refuses an unknown option" "$p" --no-such-option
	run "$p" --version
	out_is "$p (nubes) $(sed -n 's/^AC_INIT(\[nubes\], \[\([^]]*\)\].*/\1/p' \
	    "$top_srcdir/configure.ac")" "$p --version"
done

expect_fail 1 "no cloud in '$CLOUD_STATE_DIR'.*cloud-bootstrap" \
    "a program without a cloud says to bootstrap one" cloud-user-list
done_testing
