import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { useErrorText } from '../components/errorText.ts';
import { keys } from '../api/queries.ts';
import type { Flow } from '../api/types.ts';
import { Modal } from '../components/Modal.tsx';
import { initialGraph } from '../flow/graph.ts';

/** Names a new flow and creates it on the server with a trigger already placed. */
export function NewFlowDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (flow: Flow) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () => api.createFlow({ name: name.trim(), description: description.trim() || undefined, graph: initialGraph() }),
    onSuccess: (flow) => {
      qc.setQueryData(keys.flow(flow.id), flow);
      void qc.invalidateQueries({ queryKey: keys.flows, exact: true });
      onCreated(flow);
    },
  });
  const submit = () => {
    if (name.trim() && !create.isPending) create.mutate();
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
          <button type="submit" form="new-flow-form" className="fd-btn fd-btn--primary" data-testid="new-flow-create" disabled={!name.trim() || create.isPending}>
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
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="new-flow-name">
            {t('flows.name')}
          </label>
          <input
            id="new-flow-name"
            data-testid="new-flow-name"
            className="fd-input"
            autoFocus
            maxLength={200}
            value={name}
            placeholder={t('flows.namePlaceholder')}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="new-flow-description">
            {t('flows.description')}
          </label>
          <textarea id="new-flow-description" className="fd-input" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
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
