# syntax=docker/dockerfile:1
#
# Images of this repository, one Dockerfile, chosen with --target:
#   service       the gRPC inference service (cascade or teacher-only replica, Serving__Role)
#   distillation  the distillation tool, run by the redistillation CronJob (dotnet Distillation.dll redistill ...)
#
#   docker build --target service      -t inference-service:0.1.0 .
#   docker build --target service      --build-arg VARIANT=gpu -t inference-service:0.1.0-gpu .
#   docker build --target distillation -t distillation:0.1.0 .
#
# scripts/build-images.sh builds the same targets from this file when no registry is reachable: PUBLISH=host copies
# what `dotnet publish` (the commands of the publish-*-sdk stages) wrote on the build host, and ASPNET_IMAGE /
# RUNTIME_IMAGE name Debian 12 bases with the .NET runtime in the layout of the Microsoft images. Everything from the
# runtime stages on (user, paths, settings, health check, entrypoints) is this file in both cases.
#
# .NET 10 images are Ubuntu 24.04 (noble); there are no Debian ones. Noble's libstdc++ (GCC 14) provides the
# GLIBCXX_3.4.32 that TorchSharp's native library asks for, so the distillation image needs no patch;
# build/TorchSharpNativeFix.targets still runs after Publish and leaves the library alone on such a host.
# Runtime images are pinned by tag; bump them together (the SDK only builds).

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.100-noble
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.0-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0.0-noble
# cuDNN 9 on CUDA 13: what the CUDA provider of Microsoft.ML.OnnxRuntime.Gpu (Directory.Packages.props) links
# (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10; libcudnn.so.9 loaded when a session starts).
# TensorRT (libnvinfer.so.10) is not in this image: a TensorRT replica needs a base that adds it.
ARG CUDA_IMAGE=nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04
# cpu | gpu. gpu builds the service with -p:UseGpu=true (ONNX Runtime GPU package) on the CUDA base.
ARG VARIANT=cpu
# sdk | host. sdk publishes inside the SDK image (the production recipe); host takes artifacts/publish/{service,
# distillation} from the build context (scripts/build-images.sh).
ARG PUBLISH=sdk

# ---------------------------------------------------------------------------------------------------------------
FROM ${SDK_IMAGE} AS build
ARG VARIANT
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Restore in its own layer: only the files that decide the package graph, so source edits keep this layer (and the
# packages in it) cached.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Serving.Contracts/Serving.Contracts.csproj src/Serving.Contracts/
COPY src/Serving.Onnx/Serving.Onnx.csproj src/Serving.Onnx/
COPY src/Serving.Datasets/Serving.Datasets.csproj src/Serving.Datasets/
COPY src/InferenceService/InferenceService.csproj src/InferenceService/
COPY src/Distillation/Distillation.csproj src/Distillation/
RUN USE_GPU=$([ "$VARIANT" = gpu ] && echo true || echo false) \
 && dotnet restore src/InferenceService/InferenceService.csproj -r linux-x64 -p:UseGpu=$USE_GPU \
 && dotnet restore src/Distillation/Distillation.csproj -r linux-x64

COPY protos/ protos/
COPY src/ src/

FROM build AS publish-service-sdk
ARG VARIANT
RUN USE_GPU=$([ "$VARIANT" = gpu ] && echo true || echo false) \
 && dotnet publish src/InferenceService/InferenceService.csproj -c Release -r linux-x64 --self-contained false \
      --no-restore -p:UseGpu=$USE_GPU -o /out/service

FROM build AS publish-distillation-sdk
# The TorchSharp native fix hooks AfterTargets="Publish" and patches /out/distillation when the SDK host needs it.
RUN dotnet publish src/Distillation/Distillation.csproj -c Release -r linux-x64 --self-contained false \
      --no-restore -o /out/distillation

FROM scratch AS publish-service-host
COPY artifacts/publish/service/ /out/service/
FROM scratch AS publish-distillation-host
COPY artifacts/publish/distillation/ /out/distillation/

FROM publish-service-${PUBLISH} AS publish-service
FROM publish-distillation-${PUBLISH} AS publish-distillation

# ---------------------------------------------------------------------------------------------------------------
FROM ${ASPNET_IMAGE} AS service-base-cpu

# The CUDA base has no .NET: take the ASP.NET Core runtime from the pinned aspnet image, and give it the same
# non-root user (uid 1654, "app") as the Microsoft images so manifests need not care which variant runs.
FROM ${ASPNET_IMAGE} AS aspnet
FROM ${CUDA_IMAGE} AS service-base-gpu
ENV DOTNET_ROOT=/usr/share/dotnet PATH=/usr/share/dotnet:$PATH APP_UID=1654
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3t64 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --no-create-home --shell /usr/sbin/nologin app
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet

FROM service-base-${VARIANT} AS service
WORKDIR /app
# Container defaults; Kubernetes sets the same keys from its ConfigMap. Bind every interface (appsettings.json
# binds loopback for `dotnet run`), models from the repository volume, the sample log on its own volume.
ENV ASPNETCORE_HTTP_PORTS= \
    Kestrel__Endpoints__Grpc__Url=http://+:50051 \
    Kestrel__Endpoints__Metrics__Url=http://+:9464 \
    Kestrel__Endpoints__Rest__Url=http://+:8000 \
    ModelRepository__Path=/models \
    Capture__Directory=/samples
COPY --from=publish-service /out/service ./
# The shipped models, for the local overlay and `docker run`; production mounts the model repository volume over
# /models (read-only), which hides these.
COPY --chown=1654:1654 models/ /models/
RUN mkdir -p /samples && chown 1654:1654 /samples
USER 1654
# gRPC (serving.v1 and the Open Inference Protocol), metrics and health, the Open Inference Protocol over REST.
EXPOSE 50051 9464 8000
# Kubernetes ignores this and probes grpc.health.v1 natively; for `docker run`. /healthz (metrics port) reports
# healthy once the models are loaded and warm. No curl in the image: bash's /dev/tcp is enough for one request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9464 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost:9464\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "InferenceService.dll"]

# ---------------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS distillation
WORKDIR /app
COPY --from=publish-distillation /out/distillation ./
USER 1654
# A batch tool with nothing to probe.
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "Distillation.dll"]
CMD ["--help"]
