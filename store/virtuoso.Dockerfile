# OpenLink Virtuoso 7 from Debian as Zhili's SPARQL store: the `virtuoso` service of
# docker-compose.yml's `virtuoso` profile. Build context: this folder (store/).
#   SPARQL (anonymous, read-only)  http://virtuoso:8890/sparql
#   Graph Store (HTTP Digest, dba) http://virtuoso:8890/sparql-graph-crud-auth
# The database lives in the volume at /database; its dba password is set from DBA_PASSWORD on
# the first start (store/virtuoso-entrypoint.sh). store/README.md has the operator's notes.
FROM debian:bookworm-slim

# virtuoso-opensource's postinst may start the packaged instance (/var/lib/virtuoso-opensource-7/db)
# to set its password from debconf; we never use that instance, so its files go. curl: health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource curl \
 && rm -rf /var/lib/apt/lists/* /var/lib/virtuoso-opensource-7/db/* \
 && useradd --system --home-dir /database --shell /usr/sbin/nologin virtuoso \
 && mkdir -p /database /etc/zhili \
 && chown virtuoso:virtuoso /database

COPY virtuoso.ini /etc/zhili/virtuoso.ini
COPY virtuoso-entrypoint.sh /usr/local/bin/virtuoso-entrypoint
RUN chmod 755 /usr/local/bin/virtuoso-entrypoint

USER virtuoso
WORKDIR /database
VOLUME /database
EXPOSE 8890
ENV VIRTUOSO_INI=/etc/zhili/virtuoso.ini
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=20 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:8890/sparql?query=ASK%7B%7D" || exit 1
ENTRYPOINT ["/usr/local/bin/virtuoso-entrypoint"]
