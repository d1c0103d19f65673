import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { useErrorText } from '../components/errorText.ts';
import { keys, useTemplates } from '../api/queries.ts';
import { useLocale } from '../i18n/index.ts';
import type { Flow } from '../api/types.ts';
import { Modal } from '../components/Modal.tsx';
import { initialGraph } from '../flow/graph.ts';

/** Names a new flow and creates it on the server: blank with a trigger placed, or from a template. */
export function NewFlowDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (flow: Flow) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [templateId, setTemplateId] = useState<string>('');
  const locale = useLocale();
  const templates = useTemplates();
  const textOf = (tpl: { name: string; description: string; text?: Partial<Record<string, { name: string; description: string }>> }) =>
    tpl.text?.[locale] ?? tpl.text?.[locale.split('-')[0]!] ?? tpl;
  const template = templates.data?.find((x) => x.id === templateId);
  const create = useMutation({
    mutationFn: async () => {
      if (!template) return api.createFlow({ name: name.trim(), description: description.trim() || undefined, graph: initialGraph() });
      const flow = await api.createFromTemplate(template.id, { name: name.trim() || textOf(template).name });
      return description.trim() ? api.updateFlow(flow.id, { description: description.trim() }) : flow;
    },
    onSuccess: (flow) => {
      qc.setQueryData(keys.flow(flow.id), flow);
      void qc.invalidateQueries({ queryKey: keys.flows, exact: true });
      onCreated(flow);
    },
  });
  const submit = () => {
    if ((name.trim() || template) && !create.isPending) create.mutate();
  };
  return (
    <Modal
      title={t('flows.newTitle')}
      onClose={onClose}
      testId="new-flow-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="new-flow-form"
            className="fd-btn fd-btn--primary"
            data-testid="new-flow-create"
            disabled={(!name.trim() && !template) || create.isPending}
          >
            {create.isPending ? t('flows.creating') : t('flows.create')}
          </button>
        </>
      }
    >
      <form
        id="new-flow-form"
        className="fd-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <fieldset className="fd-field fd-templates" data-testid="new-flow-templates">
          <legend className="fd-field__label">{t('flows.startFrom')}</legend>
          <label className={`fd-template${templateId === '' ? ' is-chosen' : ''}`}>
            <input
              type="radio"
              name="template"
              value=""
              checked={templateId === ''}
              onChange={() => setTemplateId('')}
              data-testid="new-flow-template-blank"
            />
            <span>
              <strong>{t('flows.blank')}</strong>
              <span className="fd-muted fd-small">{t('flows.blankHelp')}</span>
            </span>
          </label>
          {templates.data?.map((tpl) => (
            <label key={tpl.id} className={`fd-template${templateId === tpl.id ? ' is-chosen' : ''}`}>
              <input
                type="radio"
                name="template"
                value={tpl.id}
                checked={templateId === tpl.id}
                onChange={() => setTemplateId(tpl.id)}
                data-testid={`new-flow-template-${tpl.id}`}
              />
              <span>
                <strong>{textOf(tpl).name}</strong>
                <span className="fd-muted fd-small">{textOf(tpl).description}</span>
              </span>
            </label>
          ))}
          {templates.isError && <p className="fd-muted fd-small">{t('flows.templatesError')}</p>}
        </fieldset>
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="new-flow-name">
            {t('flows.name')}
          </label>
          <input
            id="new-flow-name"
            data-testid="new-flow-name"
            className="fd-input"
            data-autofocus
            maxLength={200}
            value={name}
            placeholder={template ? textOf(template).name : t('flows.namePlaceholder')}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="new-flow-description">
            {t('flows.description')}
          </label>
          <textarea
            id="new-flow-description"
            className="fd-input"
            rows={3}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        {create.isError && (
          <p className="fd-error-text" role="alert">
            {t('flows.createError', { detail: errorText(create.error) })}
          </p>
        )}
      </form>
    </Modal>
  );
}
