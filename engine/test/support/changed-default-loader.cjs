// A webpack loader for one test: bundles the workflows with the approval's default due time
// changed, as a later release might change it. engine/test/frozen-versions.test.ts uses it.
module.exports = function changeApprovalDefault(source) {
  const changed = source.replace("due: durationSchema().default('3d')", "due: durationSchema().default('9d')");
  if (changed === source) throw new Error('changed-default-loader: the approval default it changes is not there any more');
  return changed;
};
