#!/bin/sh
# Entrypoint of the `virtuoso` compose service (store/virtuoso.Dockerfile).
#
# Debian's package sets the dba password only through debconf, at install time and for its own
# instance in /var/lib/virtuoso-opensource-7/db; an image build cannot answer that question, and
# our database lives in a volume created later. So on the first start of a database folder this
# script starts Virtuoso with its HTTP listener off, changes the dba password from "dba" to
# $DBA_PASSWORD through isql (the statement on stdin, not in argv), checks that "dba" no longer
# works, checkpoints, and stops it. Every start then runs Virtuoso in the foreground as PID 1.
#
# DBA_PASSWORD is read on that first start only: to change the password later, see store/README.md.
set -eu

INI=${VIRTUOSO_INI:-/etc/zhili/virtuoso.ini}
ini() { inifile +inifile "$INI" +section "$1" +key "$2"; }

DB_FILE=$(ini Database DatabaseFile)
DB_DIR=$(dirname "$DB_FILE")
SQL=$(ini Parameters ServerPort)        # e.g. 127.0.0.1:1111
MARK="$DB_DIR/.zhili-dba-password-set"
cd "$DB_DIR"

if [ ! -e "$MARK" ]; then
    if [ -z "${DBA_PASSWORD:-}" ]; then
        echo "virtuoso: set ZHILI_STORE_PASSWORD (passed as DBA_PASSWORD) for the first start of a new database:" \
             "it becomes the password of Virtuoso's dba account" >&2
        exit 1
    fi
    if [ "$DBA_PASSWORD" = "dba" ]; then
        echo "virtuoso: DBA_PASSWORD must not be Virtuoso's well-known default 'dba'" >&2
        exit 1
    fi
    case "$DBA_PASSWORD" in *"
"*) echo "virtuoso: DBA_PASSWORD must be one line" >&2; exit 1 ;; esac

    # While the account still has the default password, no HTTP at all (SQL is on loopback). Not HTTP on
    # another address: Virtuoso files its /sparql virtual directories under the listener the database was
    # created with, and a later start on a different ServerPort answers 404 to other Host names.
    INIT_INI=$(mktemp "$DB_DIR/.init-XXXXXX.ini")
    trap 'rm -f "$INIT_INI"; [ -z "${PID:-}" ] || kill "$PID" 2>/dev/null || true' EXIT
    sed '/^\[HTTPServer\]/,/^\[/{/^[[:space:]]*ServerPort[[:space:]]*=/d;}' "$INI" > "$INIT_INI"
    virtuoso-t +configfile "$INIT_INI" +foreground &
    PID=$!
    tries=0
    while :; do   # until the SQL port answers a login, accepted or not
        if ANSWER=$(isql-vt "$SQL" dba dba "EXEC=select 1;" 2>&1); then break; fi
        case "$ANSWER" in *"Bad login"*) break ;; esac
        if ! kill -0 "$PID" 2>/dev/null; then
            echo "virtuoso: the server stopped during its first start; see $(ini Database ErrorLogFile)" >&2; exit 1
        fi
        tries=$((tries + 1))
        if [ "$tries" -gt 180 ]; then echo "virtuoso: no answer on $SQL after 180 s" >&2; kill "$PID"; exit 1; fi
        sleep 1
    done
    if isql-vt "$SQL" dba dba "EXEC=select 1;" >/dev/null 2>&1; then
        # Virtuoso reads backslash escapes in SQL strings: double backslashes, then quotes
        LITERAL=$(printf '%s' "$DBA_PASSWORD" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")
        printf "USER_SET_PASSWORD('dba', '%s');\ncheckpoint;\n" "$LITERAL" | isql-vt "$SQL" dba dba >/dev/null
        # isql exits 0 even when a statement fails: the old password must now be refused
        if isql-vt "$SQL" dba dba "EXEC=select 1;" >/dev/null 2>&1; then
            echo "virtuoso: could not change the dba password" >&2; kill "$PID"; exit 1
        fi
        echo "virtuoso: dba password set from DBA_PASSWORD"
    else
        echo "virtuoso: the dba account already has a password other than the default; keeping it"
    fi
    kill "$PID" 2>/dev/null || true
    wait "$PID" || true
    PID=
    touch "$MARK"
    rm -f "$INIT_INI"
    trap - EXIT
fi

unset DBA_PASSWORD
exec virtuoso-t +configfile "$INI" +foreground
