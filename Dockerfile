# Images of keyvault-operator (the default target) and of keyvault-emulator (--target emulator):
#   docker build -t keyvault-operator:0.1.0 .
#   docker build --target emulator -t keyvault-emulator:0.1.0 .
FROM swift:6.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev libhiredis-dev libyaml-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The Swift runtime is linked in, so the runtime image needs only the C libraries.
RUN swift build -c release --static-swift-stdlib --product keyvault-operator \
 && swift build -c release --static-swift-stdlib --product keyvault-emulator \
 && install -D -t /out "$(swift build -c release --show-bin-path)/keyvault-operator" \
      "$(swift build -c release --show-bin-path)/keyvault-emulator"

# openssl is for the chart: it turns a PEM certificate into the PFX the james-gould emulator reads.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 libhiredis0.14 libyaml-0-2 ca-certificates openssl \
 && rm -rf /var/lib/apt/lists/*
USER 65532:65532

FROM runtime AS emulator
COPY --from=build /out/keyvault-emulator /usr/local/bin/keyvault-emulator
EXPOSE 4997
ENTRYPOINT ["keyvault-emulator"]
CMD ["--host", "0.0.0.0"]

FROM runtime AS operator
COPY --from=build /out/keyvault-operator /usr/local/bin/keyvault-operator
EXPOSE 8080 8081
ENTRYPOINT ["keyvault-operator"]
CMD ["run"]
