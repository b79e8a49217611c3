// Validates Argo CD manifests against the Application / AppProject / ApplicationSet schemas
// of @kubernetes-models/argo-cd. Input: a JSON array of manifests on stdin. Output: a JSON
// array with one {name, kind, errors} per manifest. Exit code 0 even when some are invalid;
// the caller (deploy/tests/test_argocd.py) decides.
import { AppProject, Application, ApplicationSet } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";

const models = { AppProject, Application, ApplicationSet };
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const manifests = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const results = manifests.map((manifest) => {
  const name = manifest?.metadata?.name ?? "?";
  const Model = models[manifest?.kind];
  if (manifest?.apiVersion !== "argoproj.io/v1alpha1" || !Model) {
    return { name, kind: manifest?.kind, errors: [`not an Argo CD kind: ${manifest?.apiVersion} ${manifest?.kind}`] };
  }
  try {
    new Model(manifest).validate();
    return { name, kind: manifest.kind, errors: [] };
  } catch (error) {
    return { name, kind: manifest.kind, errors: [String(error.message ?? error)] };
  }
});
process.stdout.write(JSON.stringify(results));
