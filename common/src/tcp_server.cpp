// implementation lands soon
