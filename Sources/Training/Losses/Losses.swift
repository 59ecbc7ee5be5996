// DPO and its family of losses (issue 4): files arrive with the loss work.
