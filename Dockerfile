FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# no scripts: nothing needs one (the build runs below, once the sources are copied)
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY sql ./sql
COPY sounds ./sounds
COPY web ./web
COPY dialplan ./dialplan
COPY src/demo/data.yaml ./src/demo/data.yaml
# the embedded database (no DATABASE_URL) lives here; the image's user must be able to write it
ENV DATA_DIR=/app/data
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 8080 4573
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
