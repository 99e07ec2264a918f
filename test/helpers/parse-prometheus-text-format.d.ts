// The package ships no types; the part the metrics test uses.
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): { name: string; type: string; help: string; metrics: unknown[] }[];
}
